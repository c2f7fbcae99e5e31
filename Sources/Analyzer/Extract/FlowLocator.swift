import CaptureFormats
import Dissectors
import Reports

/// Finds the flows report rows name by their `id` (`FlowID`: the transport, the endpoints and
/// the first timestamp, as `tcp.flows` and `conversations` rows carry it). Every flow's ID is
/// made at its end, so flows past the report's `--rows` are found too. A pass plug-in of
/// `loupe extract`; reads no packet.
final class FlowLocator: PassAnalysis, @unchecked Sendable {
    let ipProtocols: [UInt8] = []
    let wantsFlowEnds = true
    let ids: Set<String>
    /// Each flow by its id, once its end has passed (the first with the id: ids hold a timestamp).
    private(set) var found: [String: Flow] = [:]

    init(ids: Set<String>) { self.ids = ids }

    func packet(_ frame: borrowing DecodedFrame, _ packet: PassPacket) {}

    func flowEnded(_ flow: Flow) {
        guard found.count < ids.count else { return }
        let (client, server) = SummaryRun.endpoints(flow)
        let first = Timestamp(seconds: flow.firstSecond, nanoseconds: flow.firstNanosecond)
        let id = FlowID.make(
            transport: SummaryRun.transportName(flow.key.ipProtocol), client: client, server: server,
            first: first)
        if ids.contains(id), found[id] == nil { found[id] = flow }
    }

    func write(into report: inout Report, rows: Int) {}
}
