import CaptureFormats
import Dissectors
import Reports

/// Finds the flow a report row names by its `id` (`FlowID`: the transport, the endpoints and
/// the first timestamp, as `tcp.flows` and `conversations` rows carry it). Every flow's ID is
/// made at its end, so flows past the report's `--rows` are found too. A pass plug-in of
/// `loupe extract`; reads no packet.
final class FlowLocator: PassAnalysis, @unchecked Sendable {
    let ipProtocols: [UInt8] = []
    let wantsFlowEnds = true
    let id: String
    /// The flow, once its end has passed (the first one with the ID: IDs hold a timestamp).
    private(set) var found: Flow?

    init(id: String) { self.id = id }

    func packet(_ frame: borrowing DecodedFrame, _ packet: PassPacket) {}

    func flowEnded(_ flow: Flow) {
        guard found == nil else { return }
        let (client, server) = SummaryRun.endpoints(flow)
        let first = Timestamp(seconds: flow.firstSecond, nanoseconds: flow.firstNanosecond)
        if FlowID.make(transport: SummaryRun.transportName(flow.key.ipProtocol), client: client, server: server,
                       first: first) == id {
            found = flow
        }
    }

    func write(into report: inout Report, rows: Int) {}
}
