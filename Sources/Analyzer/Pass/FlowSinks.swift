import CaptureFormats
import Dissectors
import Reports

/// Packets per metrics step (kept apart from the recorder: counted on every packet). With
/// `adaptive`, the step climbs `StepLadder` as `MetricsRecorder`'s does.
struct PacketSteps {
    private(set) var step: Int64
    let adaptive: Bool
    private(set) var counts: [Int64: Int] = [:]
    private var first = Int64.max, last = Int64.min

    init(step: Int64, adaptive: Bool) {
        self.step = step
        self.adaptive = adaptive
    }

    mutating func count(at time: Int64) {
        var k = MetricsRecorder.stepIndex(time, step: step)
        if k < first || k > last {
            while adaptive && StepLadder.mustCoarsen(first: first, last: last, taking: k) && step < .max {
                coarsen(to: StepLadder.next(after: step))
                k = MetricsRecorder.stepIndex(time, step: step)
            }
            first = min(first, k)
            last = max(last, k)
        }
        counts[k, default: 0] += 1
    }

    private mutating func coarsen(to coarser: Int64) {
        let old = step
        func index(_ k: Int64) -> Int64 { StepLadder.rebase(k, from: old, to: coarser) }
        var merged: [Int64: Int] = [:]
        for (k, n) in counts { merged[index(k), default: 0] += n }
        counts = merged
        (first, last) = (index(first), index(last))
        step = coarser
    }
}

/// Where finished flows go: the conversation list, and the TCP analysis when it runs.
struct FlowSinks {
    /// The conversation list, attribution and service pairs.
    var common: ConversationSink
    var conversations: TopK<Flow> { common.conversations }
    var attribution: AttributionCounter? { common.attribution }
    var natPairs: ServiceNATPairs? { common.natPairs }
    var tcp: TCPAnalysis?
    /// The DNS analysis and DNS over UDP's conversations, inline or apart.
    var dns = DNSStage()
    /// Needs `tcp`: TLS sessions are found through the TCP analysis slot.
    var tls: TLSAnalysis?

    var api: APIServerAnalysis?
    /// `--pod`/`--namespace`/`--workload`: packets of other pods skip the analyses.
    var selection: PodSelection?
    /// With a metrics format: packets per step (the HTML timeline's first chart).
    var packetSteps: PacketSteps?
    /// The plug-in analyses (`PassAnalysis`).
    var plugins = PassAnalyses()

    /// The pass's table swept at `now` (its `lastSweep`, told apart from the last one here):
    /// settles the analyses of closed connections idle at least `after`. Their flows stay
    /// for late retransmissions; the TCP analysis stays with them.
    mutating func settle(_ flows: [Flow], now: Int64, after: Int64) {
        settledAt = now
        guard tcp != nil else { return }
        for f in flows where f.isLive && f.analysisSlot >= 0 && f.isClosed && now &- f.lastSeen >= after {
            if tls != nil {
                let forAPI = api?.serverIsLow(f) != nil
                let session = tls?.settle(f, owners: { common.attribution?.owners(of: f) }, apiView: forAPI)
                // The API-server analysis reads the session at the flow's end.
                if let view = session?.view { api?.settled(f, view) }
            }
            tcp?.settle(f)
        }
    }
    /// The table's `lastSweep` when `settle` last ran.
    var settledAt: Int64 = .min

    /// The DNS stage's end (`DNSStage.finish`), and DNS over UDP's conversations merged into
    /// the pass's counts. Once; later calls do nothing.
    mutating func finishDNS(lastSweep: Int64) {
        if let apart = dns.finish(lastSweep: lastSweep) { common.merge(apart.sink) }
    }

    /// A hint from a full flow table: `flow` is evicted soon (`FlowEviction`'s stages).
    /// (Mutating only so that the analysis is reached in place: a read of `tcp` copied it.)
    mutating func prefetchEnd(of flow: Flow, stage: Int) {
        if isPresent(&tcp) { tcp?.prefetch(slot: flow.analysisSlot, stage: stage) }
    }

    /// A flow ended: every analysis folds it. The API server's view of a TLS session (its
    /// exchanges and decrypted HTTP, hundreds of bytes) is built only for the API server's
    /// own flows: on every other flow's end the TLS analysis is asked for nothing back.
    mutating func finished(_ flow: Flow) {
        if plugins.wantsFlowEnds { plugins.flowEnded(flow) }
        let owners = common.finished(flow)
        guard isPresent(&api), let serverIsLow = api?.serverIsLow(flow) else {
            tls?.finish(flow, owners: owners)
            tcp?.finish(flow, owners: owners)
            return
        }
        let http = api?.takeHTTP(flow) ?? nil
        let session: (had: Bool, view: TLSSession.APIView?) = tls?.finish(flow, owners: owners, apiView: true) ?? (false, nil)
        let settled = !session.had ? api?.takeSettled(flow) ?? nil : nil
        let connection = tcp?.finish(flow, owners: owners)
        if let selection, !selection.matches(flow.key.lowAddress, flow.key.highAddress, at: flow.firstSeen) { return }
        api?.add(
            flow, serverIsLow: serverIsLow, owners: owners, initialRTT: connection?.initialRTT,
            reset: flow.reset, resetKind: connection?.resetKind,
            handshakeSeen: connection?.handshakeSeen ?? true, session: session.view ?? settled, http: http)
    }
}
