import Dissectors
import Reports

/// The API-server analysis (`APIServerAnalysis`) as a plug-in of the pass: it reads the TCP
/// connections to the API server's endpoints (the metadata's and `--api-server`'s) through the
/// connection stage (`PassAnalysis.wantsConnections`): their segments' payloads for cleartext
/// HTTP, and at each connection's end TCP's facts and TLS's session. Declines (nil) when no
/// endpoint is known.
final class APIServerPlugin: PassAnalysis {
    /// Reached in place through this class's stored property, without the run-time exclusivity
    /// check (a thread-local set, measured at 0.5% of the report's instructions): the pass calls
    /// a plug-in from one thread, and no method here reaches the property twice.
    @exclusivity(unchecked) private var analysis: APIServerAnalysis

    init?(context: PassContext) {
        let endpoints = (context.pods?.apiServer ?? []).union(context.apiServers)
        guard !endpoints.isEmpty else { return nil }
        analysis = APIServerAnalysis(endpoints: endpoints, directory: context.pods, rows: context.rows)
        analysis.requests.records = context.records
        analysis.metrics = context.metricsRecorder(reserving: 1)
    }

    /// No packet of its own: everything comes through the connection stage.
    let ipProtocols: [UInt8] = []
    func packet(_ frame: borrowing DecodedFrame, _ packet: PassPacket) {}

    var wantsConnections: Bool { true }

    func segment(_ frame: borrowing DecodedFrame, _ segment: ConnectionSegment) {
        analysis.segment(frame, slot: segment.slot, time: segment.time)
    }

    func wantsSession(of flow: Flow) -> Bool { analysis.serverIsLow(flow) != nil }

    func sessionSettled(_ flow: Flow, _ session: TLSSession.APIView) { analysis.settled(flow, session) }

    /// Every flow's end: the API server's own are added (those of the selected pods, with a
    /// selection); the cleartext HTTP and settled session kept by slot are taken out either way.
    func connectionEnded(_ flow: Flow, _ end: ConnectionEnd, session: TLSSession.APIView?) {
        guard let serverIsLow = analysis.serverIsLow(flow) else { return }
        let http = analysis.takeHTTP(flow)
        let settled = !end.hadSession ? analysis.takeSettled(flow) : nil
        guard end.selected else { return }
        analysis.add(
            flow, serverIsLow: serverIsLow, owners: end.owners, initialRTT: end.hadConnection ? end.initialRTT : nil,
            reset: flow.reset, resetKind: end.resetKind, handshakeSeen: end.handshakeSeen, session: session ?? settled,
            http: http)
    }

    func write(into report: inout Report, rows: Int) {
        report.apiServer = analysis.finalSection
        if analysis.requestsDropped > 0 {
            report.warnings.append(
                "\(analysis.requestsDropped) decrypted API requests not read: more than "
                    + "\(HTTP1Conversation.limit) on one connection")
        }
        if analysis.httpDropped > 0 {
            report.warnings.append(
                "\(analysis.httpDropped) plain HTTP requests or exchanges not kept: more than "
                    + "\(HTTPExchanges.limit) on one API-server connection or \(HTTPExchanges.totalLimit) over all")
        }
    }

    func metrics(_ points: ObservationPoints) -> MetricsRecorder? { analysis.metrics }
}
