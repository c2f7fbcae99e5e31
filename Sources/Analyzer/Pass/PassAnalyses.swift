import Dissectors
import Reports

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

    /// Some analysis wants flow ends; every sighting; TCP connections.
    private(set) var wantsFlowEnds = false, wantsSightings = false, wantsConnections = false
    /// The analyses that want TCP connections (called per segment: not filtered each time).
    private var connectionAnalyses: [any PassAnalysis] = []

    init(_ analyses: [any PassAnalysis] = []) {
        self.analyses = analyses.map { ($0, ProtocolSet($0.ipProtocols)) }
        wantsFlowEnds = analyses.contains { $0.wantsFlowEnds }
        wantsSightings = analyses.contains { $0.wantsSightings }
        connectionAnalyses = analyses.filter { $0.wantsConnections }
        wantsConnections = !connectionAnalyses.isEmpty
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

    func segment(_ frame: borrowing DecodedFrame, _ segment: ConnectionSegment) {
        for i in connectionAnalyses.indices { connectionAnalyses[i].segment(frame, segment) }
    }

    func wantsSession(of flow: Flow) -> Bool {
        for i in connectionAnalyses.indices where connectionAnalyses[i].wantsSession(of: flow) { return true }
        return false
    }

    func sessionSettled(_ flow: Flow, _ session: TLSSession.APIView) {
        for i in connectionAnalyses.indices { connectionAnalyses[i].sessionSettled(flow, session) }
    }

    func connectionEnded(_ flow: Flow, _ end: ConnectionEnd, session: TLSSession.APIView?) {
        for i in connectionAnalyses.indices { connectionAnalyses[i].connectionEnded(flow, end, session: session) }
    }

    func write(into report: inout Report, rows: Int) {
        for a in analyses { a.analysis.write(into: &report, rows: rows) }
    }

    /// Each analysis's metric series.
    func metrics(_ points: ObservationPoints) -> [MetricsRecorder] {
        analyses.compactMap { $0.analysis.metrics(points) }
    }
}
