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

/// Where the pass's packets and finished flows go: the conversation list, the DNS and TCP
/// stages, and the plug-in analyses.
struct FlowSinks {
    /// The conversation list, attribution and service pairs.
    var common: ConversationSink
    var conversations: TopK<Flow> { common.conversations }
    var attribution: AttributionCounter? { common.attribution }
    var natPairs: ServiceNATPairs? { common.natPairs }
    /// TCP, and TLS and the API server on its connections.
    var connections = ConnectionStage()
    /// The DNS analysis and DNS over UDP's conversations, inline or apart.
    var dns = DNSStage()
    /// `--pod`/`--namespace`/`--workload`: packets of other pods skip the analyses.
    var selection: PodSelection?
    /// With a metrics format: packets per step (the HTML timeline's first chart).
    var packetSteps: PacketSteps?
    /// The plug-in analyses (`PassAnalysis`).
    var plugins = PassAnalyses()

    /// The pass's table swept at `now` (its `lastSweep`, told apart from the last one here):
    /// the connection stage settles closed connections idle at least `after`.
    mutating func settle(_ flows: [Flow], now: Int64, after: Int64) {
        connections.settle(flows, now: now, after: after, attribution: common.attribution, plugins: plugins)
    }
    /// The table's `lastSweep` when `settle` last ran.
    var settledAt: Int64 { connections.settledAt }

    /// The DNS stage's end (`DNSStage.finish`), and DNS over UDP's conversations merged into
    /// the pass's counts. Once; later calls do nothing.
    mutating func finishDNS(lastSweep: Int64) {
        if let apart = dns.finish(lastSweep: lastSweep) { common.merge(apart.sink) }
    }

    /// A hint from a full flow table: `flow` is evicted soon (`FlowEviction`'s stages).
    mutating func prefetchEnd(of flow: Flow, stage: Int) { connections.prefetchEnd(of: flow, stage: stage) }

    /// A flow ended: every analysis folds it.
    mutating func finished(_ flow: Flow) {
        if plugins.wantsFlowEnds { plugins.flowEnded(flow) }
        let owners = common.finished(flow)
        connections.finished(flow, owners: owners, selection: selection, plugins: plugins)
    }
}
