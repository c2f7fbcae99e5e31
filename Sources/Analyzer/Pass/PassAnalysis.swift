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
    /// The serial of the flow it was counted in (the frame number of the flow's first packet);
    /// -1 for DNS over UDP, whose conversations are counted apart (`DNSConversations`).
    var flowSerial: Int
}

/// What the pass tells an analysis when making it (`AnalysisRegistry.Entry.make`).
struct PassContext {
    /// Cluster metadata, when the report has some.
    var pods: PodDirectory?
    /// With a metrics format: the step in nanoseconds (`--step`), or nil with `metricsAdaptive`.
    var metricsStep: Int64?
    /// With a metrics format and no `--step`: the step follows the capture's length.
    var metricsAdaptive = false
    /// The node the capture was taken on, when one is known (the metadata's only node, or the
    /// only node the inputs name).
    var node: String?
    /// Retina's packet and connection series are wanted (`ReportOptions.retinaSeries`).
    var retinaSeries = false

    var wantsMetrics: Bool { metricsStep != nil || metricsAdaptive }

    /// A recorder at the pass's step (nil without a metrics format), `reserving` places of
    /// the series bound kept back (`MetricsRecorder`).
    func metricsRecorder(reserving: Int = 0) -> MetricsRecorder? {
        if let step = metricsStep { return MetricsRecorder(step: step, reserving: reserving) }
        return metricsAdaptive ? MetricsRecorder(adaptiveReserving: reserving) : nil
    }
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
    /// Whether `sighting` is wanted (false by default: the pass then never calls it).
    var wantsSightings: Bool { get }
    /// Every IP frame as read, before the sightings stage picks the one the analyses see (so
    /// each observation point's copy and the capture's own duplicates too); `flowSerial` is -1.
    func sighting(_ frame: borrowing DecodedFrame, _ packet: PassPacket)
    /// The pass has ended: the section (and a warning for each bound reached) into `report`;
    /// lists hold at most `rows` rows.
    func write(into report: inout Report, rows: Int)
    /// The pass has ended: the metric series recorded (nil by default; asked only with a
    /// metrics format). `points` names where the packets were seen (`ObservationPoints.find`).
    func metrics(_ points: ObservationPoints) -> MetricsRecorder?
}

extension PassAnalysis {
    var wantsFlowEnds: Bool { false }
    func flowEnded(_ flow: Flow) {}
    var wantsSightings: Bool { false }
    func sighting(_ frame: borrowing DecodedFrame, _ packet: PassPacket) {}
    func metrics(_ points: ObservationPoints) -> MetricsRecorder? { nil }
}

/// The plug-in analyses a pass runs, and which IP protocols each reads (so a packet no
/// analysis wants costs one bit test).
struct PassAnalyses {
    /// IP protocols as a 256-bit set: bit `p` of word `p >> 6`.
    struct ProtocolSet {
        var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)

        init(_ protocols: [UInt8] = []) { for p in protocols { insert(p) } }

        mutating func insert(_ p: UInt8) {
            let bit = UInt64(1) << UInt64(p & 63)
            switch p >> 6 {
            case 0: words.0 |= bit
            case 1: words.1 |= bit
            case 2: words.2 |= bit
            default: words.3 |= bit
            }
        }

        mutating func formUnion(_ o: ProtocolSet) {
            words = (words.0 | o.words.0, words.1 | o.words.1, words.2 | o.words.2, words.3 | o.words.3)
        }

        @inline(__always) func contains(_ p: UInt8) -> Bool {
            let word: UInt64
            switch p >> 6 {
            case 0: word = words.0
            case 1: word = words.1
            case 2: word = words.2
            default: word = words.3
            }
            return word >> UInt64(p & 63) & 1 != 0
        }
    }

    private var analyses: [(analysis: any PassAnalysis, protocols: ProtocolSet)] = []
    /// Some analysis reads the protocol.
    private var wanted = ProtocolSet()

    /// Some analysis wants flow ends; every sighting.
    private(set) var wantsFlowEnds = false, wantsSightings = false

    init(_ analyses: [any PassAnalysis] = []) {
        self.analyses = analyses.map { ($0, ProtocolSet($0.ipProtocols)) }
        wantsFlowEnds = analyses.contains { $0.wantsFlowEnds }
        wantsSightings = analyses.contains { $0.wantsSightings }
        for a in self.analyses { wanted.formUnion(a.protocols) }
    }

    @inline(__always) func wants(_ ipProtocol: UInt8) -> Bool { wanted.contains(ipProtocol) }

    func packet(_ frame: borrowing DecodedFrame, _ packet: PassPacket) {
        for a in analyses where a.protocols.contains(frame.ipProtocol) { a.analysis.packet(frame, packet) }
    }

    func flowEnded(_ flow: Flow) {
        for a in analyses where a.analysis.wantsFlowEnds { a.analysis.flowEnded(flow) }
    }

    func sighting(_ frame: borrowing DecodedFrame, _ packet: PassPacket) {
        for a in analyses where a.analysis.wantsSightings { a.analysis.sighting(frame, packet) }
    }

    func write(into report: inout Report, rows: Int) {
        for a in analyses { a.analysis.write(into: &report, rows: rows) }
    }

    /// Each analysis's metric series.
    func metrics(_ points: ObservationPoints) -> [MetricsRecorder] {
        analyses.compactMap { $0.analysis.metrics(points) }
    }
}
