import CaptureFormats
import Dissectors
import Reports

/// What the pass knows of a packet besides its decoded frame.
struct PassPacket {
    /// The pass's nanoseconds.
    var time: Int64
    /// 1-based, over the inputs merged.
    var frameNumber: Int
    /// Which input (an index into the paths the pass was given).
    var input: Int
    /// The packet as read; its bytes are valid during the call only.
    var record: PacketRecord
    /// The serial of the flow it was counted in (the frame number of the flow's first packet).
    var flowSerial: Int
}

/// An analysis the pass drives as a plug-in (`docs/design.md`, "Adding an analysis"): it
/// reads the packets of the IP protocols it names, after the sightings stage,
/// defragmentation and the pod selection, and writes its section into the report when the
/// pass has ended. One folder under `Analyses/`, one line in `AnalysisRegistry`.
///
/// A class: the pass keeps the analyses in a list of existentials and calls them in place
/// (a struct there would be copied out and back on each call).
protocol PassAnalysis: AnyObject {
    /// IP protocol numbers (1 ICMP, 6 TCP, 17 UDP, 58 ICMPv6 ...) whose packets `packet` gets.
    var ipProtocols: [UInt8] { get }
    /// One packet of those protocols, as analysed (one sighting of it: the one at its flow's
    /// observation point).
    func packet(_ frame: borrowing DecodedFrame, _ packet: PassPacket)
    /// Whether `flowEnded` is wanted (false by default: the pass then never calls it).
    var wantsFlowEnds: Bool { get }
    /// A flow ended (expired, evicted, or at the end of the capture).
    func flowEnded(_ flow: Flow)
    /// The pass has ended: the section (and a warning for each bound reached) into `report`;
    /// lists hold at most `rows` rows.
    func write(into report: inout Report, rows: Int)
}

extension PassAnalysis {
    var wantsFlowEnds: Bool { false }
    func flowEnded(_ flow: Flow) {}
}

/// The plug-in analyses a pass runs, and which IP protocols any of them reads (so a packet no
/// analysis wants costs one bit test).
struct PassAnalyses {
    private var analyses: [any PassAnalysis] = []
    /// Bit `p` set: some analysis reads IP protocol `p`.
    private var wanted: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)

    /// Some analysis wants flow ends.
    private(set) var wantsFlowEnds = false

    init(_ analyses: [any PassAnalysis] = []) {
        self.analyses = analyses
        wantsFlowEnds = analyses.contains { $0.wantsFlowEnds }
        for a in analyses {
            for p in a.ipProtocols {
                let bit = UInt64(1) << UInt64(p & 63)
                switch p >> 6 {
                case 0: wanted.0 |= bit
                case 1: wanted.1 |= bit
                case 2: wanted.2 |= bit
                default: wanted.3 |= bit
                }
            }
        }
    }

    @inline(__always) func wants(_ ipProtocol: UInt8) -> Bool {
        let word: UInt64
        switch ipProtocol >> 6 {
        case 0: word = wanted.0
        case 1: word = wanted.1
        case 2: word = wanted.2
        default: word = wanted.3
        }
        return word >> UInt64(ipProtocol & 63) & 1 != 0
    }

    func packet(_ frame: borrowing DecodedFrame, _ packet: PassPacket) {
        for a in analyses where a.ipProtocols.contains(frame.ipProtocol) { a.packet(frame, packet) }
    }

    func flowEnded(_ flow: Flow) {
        for a in analyses where a.wantsFlowEnds { a.flowEnded(flow) }
    }

    func write(into report: inout Report, rows: Int) {
        for a in analyses { a.write(into: &report, rows: rows) }
    }
}
