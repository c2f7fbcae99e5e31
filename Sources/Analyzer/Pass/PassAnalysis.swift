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
    /// Rows kept in each list (`--rows`).
    var rows = 20
    /// API-server endpoints given on the command line (the metadata's are in `pods`).
    var apiServers: Set<PodDirectory.Endpoint> = []
    /// `--format ndjson`: where records are written.
    var records: RecordWriter?

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
    /// Whether TCP connections are wanted (false by default: the connection stage then never
    /// calls `segment`, `wantsSession`, `sessionSettled` or `connectionEnded`). Only where
    /// the pass analyses TCP (a report's).
    var wantsConnections: Bool { get }
    /// A TCP segment with a whole header and a payload, after TCP (which gave the connection
    /// its slot) and TLS have read it.
    func segment(_ frame: borrowing DecodedFrame, _ segment: ConnectionSegment)
    /// Whether `flow`'s TLS session is wanted at its end (`ConnectionEnd.session`): building
    /// it costs hundreds of bytes, so it is built only for the flows some analysis asks for.
    func wantsSession(of flow: Flow) -> Bool
    /// The TLS session of `flow`, closed and idle, folded before the flow's end (the flow is
    /// held for late retransmissions): its view now, and `ConnectionEnd.hadSession` false then.
    func sessionSettled(_ flow: Flow, _ session: TLSSession.APIView)
    /// A flow ended while the pass analyses TCP (every flow: TCP's or not, `end.hadConnection`
    /// says), after TCP and TLS folded it, before its slot serves another connection.
    /// `session`: its TLS session's view, when `wantsSession` asked for it and TLS had one.
    func connectionEnded(_ flow: Flow, _ end: ConnectionEnd, session: TLSSession.APIView?)
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
    var wantsConnections: Bool { false }
    func segment(_ frame: borrowing DecodedFrame, _ segment: ConnectionSegment) {}
    func wantsSession(of flow: Flow) -> Bool { false }
    func sessionSettled(_ flow: Flow, _ session: TLSSession.APIView) {}
    func connectionEnded(_ flow: Flow, _ end: ConnectionEnd, session: TLSSession.APIView?) {}
}

/// A TCP segment as the connection stage hands it to plug-ins (`PassAnalysis.segment`).
struct ConnectionSegment {
    /// The connection's slot in the TCP analysis (`Flow.analysisSlot`): the same for each of
    /// its segments, and free for another connection after its end (`connectionEnded`).
    var slot: Int32
    /// The pass's nanoseconds.
    var time: Int64
}

/// What the connection stage tells plug-ins of a flow's end besides the flow and its TLS
/// session (`PassAnalysis.connectionEnded`).
struct ConnectionEnd {
    /// The flow's ends' owners, with cluster metadata.
    var owners: FlowOwners?
    /// TCP had state for the flow (a connection): the three facts below are its.
    var hadConnection = false
    /// The connection's initial RTT in nanoseconds (0: none measured).
    var initialRTT: Int64 = 0
    /// How its first RST came (nil: none).
    var resetKind: TCPResetKind?
    /// Its SYN was seen (true when TCP had no state).
    var handshakeSeen = true
    /// TLS found a session on the connection and folded it now (false when it was settled
    /// before: `sessionSettled`).
    var hadSession = false
    /// With `--pod`/`--namespace`/`--workload`: the flow is of the pods selected (always true
    /// without a selection). Packets and segments of other pods never reach a plug-in; their
    /// flows' ends do, so that per-slot state is freed.
    var selected = true
}
