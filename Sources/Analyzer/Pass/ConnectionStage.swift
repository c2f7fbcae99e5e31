import CaptureFormats
import Dissectors
import Reports

/// The TCP part of the pass: the TCP analysis, and TLS, which keeps its sessions (and QUIC's,
/// and cleartext HTTP's) in the slot TCP gives each connection (`Flow.analysisSlot`). The pass
/// hands the stage segments, sweeps and flow ends; the stage hands them on to the plug-ins
/// that want connections (`PassAnalysis.wantsConnections`: the API server), after TCP and
/// TLS, with TCP's facts and TLS's session of each at its end (`ConnectionEnd`). After the
/// pass, `take` hands the members out.
///
/// The members are optionals reached in place (`isPresent`): each is kilobytes with
/// references inside, and a copy per packet or per flow's end was measured.
struct ConnectionStage {
    private(set) var tcp: TCPAnalysis?
    /// Needs `tcp` (its slots).
    private(set) var tls: TLSAnalysis?
    /// TCP runs: the pass hands the stage TCP segments (`segment`).
    private(set) var wantsSegments = false
    /// The flow table's `lastSweep` when `settle` last ran.
    private(set) var settledAt: Int64 = .min

    /// No TCP analysis (`loupe summary`).
    init() {}

    /// The members `options` asks for, configured; `recorder`: with a metrics format, the
    /// recorder each member fills (merged after the pass).
    init(_ options: CapturePass.Options, recorder: MetricsRecorder?) {
        guard options.analyzeTCP else { return }
        var tcp = TCPAnalysis(rows: options.rows)
        var tls = options.analyzeTLS ? TLSAnalysis(rows: options.rows) : nil
        if options.traceTCP { tcp.trace = [:] }
        if let records = options.records {
            tcp.records = records
            tcp.directory = options.pods
            tls?.records = records
        }
        if !options.kernelConnections.isEmpty {
            tcp.kernelWatch = Dictionary(
                options.kernelConnections.map { ($0, TCPAnalysis.WireCount()) },
                uniquingKeysWith: { a, _ in a })
        }
        if options.traceExchanges { tls?.exchangeTrace = [:] }
        tls?.keyLog = options.keyLog
        if let pods = options.pods {
            tcp.podStats = PodStats()
            tls?.podStats = PodStats()
            tls?.directory = pods
        }
        if let recorder {
            tcp.metrics = recorder
            tcp.directory = options.pods
            tcp.retinaStats = options.retinaSeries
            tls?.metrics = recorder
        }
        (self.tcp, self.tls, wantsSegments) = (tcp, tls, true)
    }

    /// TLS runs: secrets read from the inputs are wanted (`addSecrets`).
    var decrypts: Bool { tls != nil }

    /// Decryption secrets read from an input (pcapng Decryption Secrets Blocks).
    mutating func addSecrets(_ secrets: ArraySlice<DecryptionSecret>) { tls?.addSecrets(secrets) }

    /// A packet of a TCP flow (`frame.isTCP`, even with a broken header: a stream for tshark).
    /// `slot` is the flow's `analysisSlot`, which TCP may assign; `hasHeader`: the TCP header
    /// was read whole (TLS and the plug-ins read only those segments; plug-ins, only those
    /// with a payload).
    @inline(__always)
    mutating func segment(
        _ frame: borrowing DecodedFrame, slot: inout Int32, hasHeader: Bool, clientIsLow: Bool, clientFromSYN: Bool,
        firstSecond: Int64, fromLow: Bool, time: Int64, timestamp: Timestamp?, wireLength: Int, reused: Bool,
        frameNumber: Int, plugins: PassAnalyses
    ) {
        tcp?.segment(
            frame, slot: &slot, clientIsLow: clientIsLow, firstSecond: firstSecond, fromLow: fromLow, time: time,
            timestamp: timestamp, wireLength: wireLength, reused: reused, frameNumber: frameNumber)
        guard hasHeader else { return }
        let payloadCount = frame.payload.count
        if plugins.wantsConnections && payloadCount > 0 { plugins.segment(frame, ConnectionSegment(slot: slot, time: time)) }
        if isPresent(&tls) {
            tls?.segment(
                frame, slot: slot, fromLow: fromLow, clientIsLow: clientIsLow, clientFromSYN: clientFromSYN,
                time: time)
        }
    }

    /// A UDP datagram (QUIC's Initial packets carry a TLS ClientHello).
    @inline(__always)
    mutating func datagram(_ frame: borrowing DecodedFrame, key: FlowKey) {
        if isPresent(&tls) { tls?.quic.datagram(frame.payload, key: key) }
    }

    /// The pass's table swept at `now`: settles the analyses of closed connections idle at
    /// least `after`. Their flows stay for late retransmissions; TCP's state stays with them.
    mutating func settle(_ flows: [Flow], now: Int64, after: Int64, attribution: AttributionCounter?, plugins: PassAnalyses) {
        settledAt = now
        guard isPresent(&tcp) else { return }
        for f in flows where f.isLive && f.analysisSlot >= 0 && f.isClosed && now &- f.lastSeen >= after {
            if isPresent(&tls) {
                let wanted = plugins.wantsConnections && plugins.wantsSession(of: f)
                let session = tls?.settle(f, owners: { attribution?.owners(of: f) }, apiView: wanted)
                if let view = session?.view { plugins.sessionSettled(f, view) }
            }
            tcp?.settle(f)
        }
    }

    /// A hint from a full flow table: `flow` is evicted soon (`FlowEviction`'s stages).
    @inline(__always)
    mutating func prefetchEnd(of flow: Flow, stage: Int) {
        if isPresent(&tcp) { tcp?.prefetch(slot: flow.analysisSlot, stage: stage) }
    }

    /// A flow ended: each member folds it, then the plug-ins that want connections get it.
    /// A TLS session's view (its exchanges and decrypted HTTP, hundreds of bytes) is built only
    /// for the flows a plug-in asks for (`wantsSession`). With a `selection`, `ConnectionEnd.selected`
    /// says whether the flow is of the selected pods.
    @inline(__always)
    mutating func finished(_ flow: Flow, owners: FlowOwners?, selection: PodSelection?, plugins: PassAnalyses) {
        guard isPresent(&tcp) else { return }
        guard plugins.wantsConnections else {
            tls?.finish(flow, owners: owners)
            tcp?.finish(flow, owners: owners)
            return
        }
        let wanted = plugins.wantsSession(of: flow)
        let session: (had: Bool, view: TLSSession.APIView?) =
            tls?.finish(flow, owners: owners, apiView: wanted) ?? (false, nil)
        var end = ConnectionEnd(owners: owners, hadSession: session.had)
        if let c = tcp?.finish(flow, owners: owners) {
            (end.hadConnection, end.initialRTT, end.resetKind, end.handshakeSeen) = (
                true, c.initialRTT, c.resetKind, c.handshakeSeen
            )
        }
        if let selection { end.selected = selection.matches(flow.key.lowAddress, flow.key.highAddress, at: flow.firstSeen) }
        plugins.connectionEnded(flow, end, session: session.view)
    }

    /// The members, moved out (the stage is empty after): the report builds their sections
    /// and then drops them, before their text is written.
    mutating func take() -> (tcp: TCPAnalysis?, tls: TLSAnalysis?) {
        defer { (tcp, tls) = (nil, nil) }
        return (tcp.take(), tls.take())
    }

    /// The members' metric series (with a metrics format).
    var metrics: [MetricsRecorder] { [tcp?.metrics, tls?.metrics].compactMap { $0 } }
}
