import Dissectors
import Reports

/// Collects the metric series during the pass (only when a metrics format is asked for):
/// each event adds to its family's series at the step its time falls in. Bounded:
/// at most `seriesLimit` label sets in all (the rest are counted as dropped). `adaptive`
/// (no `--step` given): the step starts at `StepLadder.base` and climbs the ladder whenever
/// the series would span `2 * StepLadder.maximumPoints` steps, the cells merged into the
/// coarser step; `fit()` then leaves at most `maximumPoints`.
struct MetricsRecorder {
    static let seriesLimit = 20_000
    private(set) var step: Int64
    let adaptive: Bool
    private(set) var families: [MetricsModel.Family] = []
    private var index: [String: Int] = [:]
    private var seriesIndex: [[LabelKey: Int]] = []
    private(set) var dropped = 0
    private(set) var firstStep = Int64.max
    private(set) var lastStep = Int64.min
    private var seriesCount = 0
    /// Series kept back from `seriesLimit` until `allowReserved()`: the analyses' recorders
    /// and the one they are merged into keep a place for the packet series added last.
    private var reserved = 0

    init(step: Int64, reserving: Int = 0) {
        self.step = max(step, 1_000_000)
        adaptive = false
        reserved = reserving
    }

    /// A recorder whose step is chosen from the span of what it records (see the type).
    init(adaptiveReserving reserving: Int = 0) {
        step = StepLadder.base
        adaptive = true
        reserved = reserving
    }

    /// The family's index, declaring it on first use.
    mutating func family(_ name: String, _ help: String, _ kind: MetricsModel.Kind, bounds: [Double] = []) -> Int {
        if let i = index[name] { return i }
        families.append(MetricsModel.Family(name: name, help: help, kind: kind, bounds: bounds))
        seriesIndex.append([:])
        index[name] = families.count - 1
        return families.count - 1
    }

    func stepIndex(_ time: Int64) -> Int64 { Self.stepIndex(time, step: step) }

    /// The step `time` falls in (floor division: times before 1970 too).
    static func stepIndex(_ time: Int64, step: Int64) -> Int64 {
        let (q, r) = time.quotientAndRemainder(dividingBy: step)
        return r < 0 ? q - 1 : q
    }

    /// The series of family `f` with these labels, created on first use; nil (and counted
    /// as dropped) past the series bound.
    mutating func series(_ f: Int, _ labels: [(String, String)]) -> Int? {
        let key = LabelKey(labels: labels)
        if let s = seriesIndex[f][key] { return s }
        guard !isFull else {
            dropped += 1
            return nil
        }
        seriesCount += 1
        families[f].series.append(MetricsModel.Series(labels: labels, steps: [:]))
        seriesIndex[f][key] = families[f].series.count - 1
        return families[f].series.count - 1
    }

    private mutating func touch(_ k: Int64) {
        firstStep = min(firstStep, k)
        lastStep = max(lastStep, k)
    }

    /// The step `time` falls in, counted in the span; an adaptive recorder coarsens first when
    /// `time` would stretch its span to `2 * StepLadder.maximumPoints` steps.
    private mutating func place(_ time: Int64) -> Int64 {
        var k = stepIndex(time)
        while adaptive && StepLadder.mustCoarsen(first: firstStep, last: lastStep, taking: k) && step < .max {
            coarsen(to: StepLadder.next(after: step))
            k = stepIndex(time)
        }
        touch(k)
        return k
    }

    /// The start of the step `time` falls in (ns), `time` counted in the span first (so an
    /// adaptive recorder is at its step for it): for callers that tally events themselves and
    /// add them once per step (`StepTally`).
    mutating func spanStepStart(_ time: Int64) -> Int64 {
        let k = place(time)
        let (start, overflow) = k.multipliedReportingOverflow(by: step)
        return overflow ? time : start
    }

    /// The start of the step `time` falls in (ns): a place to add to later that stays right
    /// when the step grows meanwhile (`add(_:_:at:_:)` with it).
    func stepStart(_ time: Int64) -> Int64 {
        let (start, overflow) = stepIndex(time).multipliedReportingOverflow(by: step)
        return overflow ? time : start
    }

    /// Every cell merged into the step `coarser` falls in (a rung above `step`).
    mutating func coarsen(to coarser: Int64) {
        guard coarser > step else { return }
        let old = step
        func index(_ k: Int64) -> Int64 { StepLadder.rebase(k, from: old, to: coarser) }
        for f in families.indices {
            for s in families[f].series.indices {
                var merged: [Int64: MetricsModel.Cell] = [:]
                merged.reserveCapacity(families[f].series[s].steps.count)
                for (k, cell) in families[f].series[s].steps { merged[index(k), default: cell.empty].add(cell) }
                families[f].series[s].steps = merged
            }
        }
        if firstStep != .max {
            firstStep = index(firstStep)
            lastStep = index(lastStep)
        }
        step = coarser
    }

    /// Coarsens until the series span at most `StepLadder.maximumPoints` steps (adaptive only).
    mutating func fit() {
        while adaptive && firstStep != .max && lastStep &- firstStep >= Int64(StepLadder.maximumPoints) && step < .max {
            coarsen(to: StepLadder.next(after: step))
        }
    }

    mutating func add(_ f: Int, _ labels: [(String, String)], at time: Int64, _ amount: Double = 1) {
        guard let s = series(f, labels) else { return }
        add(f, series: s, at: time, amount)
    }

    /// An event for a series already looked up (`series`), by callers that cache indices.
    mutating func add(_ f: Int, series s: Int, at time: Int64, _ amount: Double = 1) {
        let k = place(time)
        families[f].series[s].steps[k, default: MetricsModel.Cell()].value += amount
    }

    /// An event for a series that may have been dropped at the bound (nil: counted as dropped).
    mutating func add(_ f: Int, series s: Int?, at time: Int64, _ amount: Double = 1) {
        guard let s else { return countDropped() }
        add(f, series: s, at: time, amount)
    }

    /// An event whose series was dropped at the bound, counted as `series` counts it.
    mutating func countDropped() { dropped += 1 }

    /// No new series can be made (an event with new labels is dropped).
    var isFull: Bool { seriesCount >= Self.seriesLimit - reserved }

    /// One observation into a histogram family (value in the family's unit).
    mutating func observe(_ f: Int, _ labels: [(String, String)], at time: Int64, _ value: Double) {
        guard let s = series(f, labels) else { return }
        observe(f, series: s, at: time, value)
    }

    /// One observation into a series already looked up.
    mutating func observe(_ f: Int, series s: Int, at time: Int64, _ value: Double) {
        let k = place(time)
        let bounds = families[f].bounds
        var cell = families[f].series[s].steps[k] ?? MetricsModel.Cell(buckets: Array(repeating: 0, count: bounds.count + 1))
        let b = bounds.firstIndex { value <= $0 } ?? bounds.count
        cell.buckets[b] += 1
        cell.value += value
        families[f].series[s].steps[k] = cell
    }

    /// Label values of family `f` rewritten (`rename(label, value)` gives the new value), for
    /// labels known only once the pass has ended. Series whose labels become equal are
    /// merged.
    mutating func relabel(_ f: Int, _ rename: (String, String) -> String) {
        let old = families[f].series
        families[f].series = []
        seriesIndex[f] = [:]
        for var series in old {
            series.labels = series.labels.map { ($0.0, rename($0.0, $0.1)) }
            let key = LabelKey(labels: series.labels)
            if let s = seriesIndex[f][key] {
                for (k, cell) in series.steps { families[f].series[s].steps[k, default: cell.empty].add(cell) }
                seriesCount -= 1
            } else {
                seriesIndex[f][key] = families[f].series.count
                families[f].series.append(series)
            }
        }
    }

    /// Lets the reserved places be used.
    mutating func allowReserved() { reserved = 0 }

    /// Another recorder's series added to these (each analysis records its own), the finer
    /// of the two brought to the coarser step first.
    mutating func merge(_ other: MetricsRecorder) {
        var other = other
        if other.step > step { coarsen(to: other.step) } else if other.step < step { other.coarsen(to: step) }
        for family in other.families {
            let f = self.family(family.name, family.help, family.kind, bounds: family.bounds)
            for series in family.series {
                guard let s = self.series(f, series.labels) else { continue }
                for (k, cell) in series.steps {
                    touch(k)
                    families[f].series[s].steps[k, default: cell.empty].add(cell)
                }
            }
        }
        dropped += other.dropped
    }

    var model: MetricsModel {
        var m = MetricsModel(step: step, firstStep: firstStep == .max ? 0 : firstStep, lastStep: lastStep == .min ? 0 : lastStep)
        m.families = families
        m.droppedSeries = dropped
        return m
    }
}

/// A series' labels as its index key, hashed and compared pair by pair: the key shares the
/// series' label array. A key text joined from the labels cost about 37 allocations and
/// 300 bytes per series (measured: most of a metrics format's allocations, and with 20,000
/// series, tens of MB of freed blocks left in the heap).
private struct LabelKey: Hashable {
    let labels: [(String, String)]

    static func == (a: LabelKey, b: LabelKey) -> Bool {
        a.labels.count == b.labels.count && zip(a.labels, b.labels).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(labels.count)
        for (name, value) in labels {
            hasher.combine(name)
            hasher.combine(value)
        }
    }
}

/// Retina's context labels (pkg/module/metrics: source_/destination_ ip, namespace, podname,
/// workload_kind, workload_name; "unknown" where nothing is known), from an address and
/// what the pod directory says it was.
enum RetinaLabels {
    enum Side { case source, destination }

    /// The label names, as literals: joined from a prefix per series, most of them were
    /// heap strings of their own (over 15 bytes), some 8 MB over 20,000 DNS series.
    private static let source = [
        "source_ip", "source_namespace", "source_podname", "source_workload_kind",
        "source_workload_name",
    ]
    private static let destination = [
        "destination_ip", "destination_namespace", "destination_podname",
        "destination_workload_kind", "destination_workload_name",
    ]

    /// The five context labels of one side appended to `labels`.
    static func append(
        _ side: Side, _ address: IPAddress?, _ owner: PodDirectory.Owner?, _ directory: PodDirectory?,
        to labels: inout [(String, String)]
    ) {
        var namespace = "unknown", pod = "unknown", kind = "unknown", workload = "unknown"
        if case .pod(let p)? = owner, let directory {
            let record = directory.pods[p]
            (namespace, pod) = (record.namespace, record.name)
            let parts = record.workload.split(separator: "/", maxSplits: 1)
            if parts.count == 2 { (kind, workload) = (String(parts[0]), String(parts[1])) }
        }
        let names = side == .source ? source : destination
        for (name, value) in zip(names, [address?.text ?? "unknown", namespace, pod, kind, workload]) {
            labels.append((name, value))
        }
    }
}

/// The metric families Loupe writes: Retina's names where Retina has the metric (sample names
/// exactly Retina's, so its dashboards read them), `loupe_` for the rest.
enum MetricNames {
    static let dnsRequests = ("networkobservability_adv_dns_request_count", "DNS requests by query (Retina advanced metric)")
    static let dnsResponses = (
        "networkobservability_adv_dns_response_count",
        "DNS responses by query, return code and answer count (Retina advanced metric)"
    )
    static let tcpRetransmissions = (
        "networkobservability_adv_tcpretrans_count",
        "TCP retransmitted packets by sender and receiver (Retina advanced metric)"
    )
    static let apiServerLatency = (
        "networkobservability_adv_node_apiserver_latency",
        "API server round trip time for SYN-ACK in milliseconds (Retina advanced metric)"
    )
    /// The name Retina's pod-level dashboard reads (`..._ms_bucket`).
    static let apiServerHandshake = (
        "networkobservability_node_apiserver_handshake_latency_ms",
        "API server TCP handshake latency in milliseconds (Retina's node metric)"
    )
    static let apiServerNoResponse = (
        "networkobservability_adv_node_apiserver_no_response",
        "API server requests that got no response (Retina advanced metric)"
    )
    /// Retina's API-server buckets, milliseconds: Prometheus' LinearBuckets(0.5, 1, 64), 0.5,
    /// 1.5 ... 63.5 (microsoft/retina at 532c5aa, pkg/module/metrics/latency.go).
    static let retinaMilliseconds: [Double] = (0..<64).map { 0.5 + Double($0) }
    static let dnsLatency = ("loupe_dns_latency_seconds", "DNS response time by server")
    static let packets = ("loupe_capture_packets", "Packets in the capture (after --filter)")
    static let tlsHandshake = (
        "loupe_tls_handshake_seconds", "TLS handshake latency (ClientHello to the end of the handshake) by server name"
    )
    static let apiRequests = ("loupe_apiserver_request_seconds", "API server request/response latency by client pod")
    static let seconds: [Double] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
}
