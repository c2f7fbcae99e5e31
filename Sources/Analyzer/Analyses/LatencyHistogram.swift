import Histogram
import Reports

/// Durations in nanoseconds, up to an hour, to 3 significant digits (HdrHistogram), and
/// the percentile object every report uses. Per-key breakdowns use the sparse
/// `CompactLatencyHistogram`.
///
/// Samples are recorded in batches grouped by power of two: the 3-digit buckets span
/// 270 KB, and a sample recorded as it came missed the cache on most of them (measured:
/// TCP's ACK RTT was 4% of the pass thread); a group's buckets (16 KB) stay in the cache.
/// Grouping is a counting pass, not a sort (a sort of each batch cost more than it saved).
struct LatencyHistogram {
    static var highest: UInt64 { 3_600_000_000_000 }
    private var histogram = Histogram<UInt64>(highestTrackableValue: Self.highest, numberOfSignificantValueDigits: .three)
    private let limit = Self.highest
    /// Samples not yet in `histogram` (clamped), at most `batch`; `grouped` is where a
    /// flush orders them.
    private var pending: [UInt64] = []
    private var grouped: [UInt64] = []
    static let batch = 1024

    private(set) var count = 0
    private var exactMax: Int64 = 0

    mutating func record(nanoseconds value: Int64) {
        guard value >= 0 else { return }  // time ran backwards: no sample
        if pending.isEmpty { pending.reserveCapacity(Self.batch) }
        pending.append(UInt64(min(value, Int64(limit))))
        if pending.count == Self.batch { flush() }
        count += 1
        exactMax = max(exactMax, value)
    }

    /// Records the pending samples, grouped by their highest bit.
    private mutating func flush() {
        var starts = InlineArray<65, Int>(repeating: 0)
        for v in pending { starts[64 - v.leadingZeroBitCount] += 1 }
        var total = 0
        for i in 0..<65 {
            let n = starts[i]
            starts[i] = total
            total += n
        }
        grouped.removeAll(keepingCapacity: true)
        grouped.append(contentsOf: repeatElement(0, count: pending.count))
        grouped.withUnsafeMutableBufferPointer { out in
            for v in pending {
                let g = 64 - v.leadingZeroBitCount
                out[starts[g]] = v
                starts[g] += 1
            }
        }
        for v in grouped { _ = histogram.record(v) }
        pending.removeAll(keepingCapacity: true)
    }

    /// The buckets with every sample in them.
    private var flushed: Histogram<UInt64> {
        guard !pending.isEmpty else { return histogram }
        var copy = self
        copy.flush()
        return copy.histogram
    }

    /// The percentile object of a few exact samples (nearest rank), for per-connection rows.
    static func percentiles(of samples: [Int64]) -> Percentiles {
        guard !samples.isEmpty else { return Percentiles(count: 0, p50: nil, p90: nil, p95: nil, p99: nil, max: nil) }
        let sorted = samples.sorted()
        func at(_ p: Double) -> Double {
            let rank = max(1, Int((p / 100 * Double(sorted.count)).rounded(.up)))
            return Double(sorted[min(rank, sorted.count) - 1]) / 1e9
        }
        return Percentiles(
            count: sorted.count, p50: at(50), p90: at(90), p95: at(95), p99: at(99),
            max: Double(sorted.last!) / 1e9)
    }

    /// Adds another histogram's samples, bucket by bucket.
    mutating func add(_ other: Self) {
        guard other.count > 0 else { return }
        flush()
        histogram.add(other.flushed)
        count += other.count
        exactMax = max(exactMax, other.exactMax)
    }

    /// `{count, p50, p90, p95, p99, max}` in seconds; percentiles at HdrHistogram's precision,
    /// `max` exact. Nil percentiles when there is no sample.
    var percentiles: Percentiles {
        PercentileWalk.object(count: count, exactMax: exactMax) { values(at: (50, 90, 95, 99)) }
    }

    /// Four percentiles in one walk over the recorded values, by `Histogram.valueAtPercentile`'s
    /// rule (the first value whose running count reaches p% of the total, p one ulp down,
    /// rounded up), which walks the buckets once per call through unspecialised generic code
    /// (measured: a tenth of `loupe report` with a thousand breakdown rows).
    func values(at p: (Double, Double, Double, Double)) -> (UInt64, UInt64, UInt64, UInt64) {
        let histogram = flushed
        var walk = PercentileWalk(total: histogram.totalCount, levels: p, low: histogram.min, high: histogram.maxRecorded)
        for v in histogram.recordedValues() {
            if !walk.take(v.value, count: UInt64(v.count)) { break }
        }
        return walk.values
    }
}

/// One walk over a histogram's recorded values in value order that finds four percentiles
/// by `Histogram.valueAtPercentile`'s rule (the first value whose running count reaches
/// p% of the total, p one ulp down, rounded up, clamped between the histogram's min and
/// max); both histograms walk their own buckets through it.
struct PercentileWalk {
    private let ranks: [UInt64]
    private let low: UInt64, high: UInt64
    private var out: [UInt64] = [0, 0, 0, 0]
    private var running: UInt64 = 0
    private var next = 0

    init(total: UInt64, levels p: (Double, Double, Double, Double), low: UInt64, high: UInt64) {
        func rank(_ p: Double) -> UInt64 {
            let clamped = Swift.min(Swift.max(p.nextDown, 0), 100)
            return Swift.max(1, UInt64((clamped * Double(total) / 100).rounded(.up)))
        }
        ranks = [rank(p.0), rank(p.1), rank(p.2), rank(p.3)]
        (self.low, self.high) = (low, high)
    }

    /// The next recorded value and its count; false once all four are found.
    mutating func take(_ value: UInt64, count: UInt64) -> Bool {
        running += count
        while next < 4 && running >= ranks[next] {
            out[next] = Swift.max(Swift.min(value, high), low)
            next += 1
        }
        return next < 4
    }

    /// Whether `count` more samples would reach a level not found yet.
    func reaches(_ count: UInt64) -> Bool { next < 4 && running + count >= ranks[next] }

    /// `count` samples none of which reaches a level (see `reaches`).
    mutating func skip(_ count: UInt64) { running += count }

    /// The four values (0 for a level never reached).
    var values: (UInt64, UInt64, UInt64, UInt64) { (out[0], out[1], out[2], out[3]) }

    /// In seconds; nil percentiles when there is no sample, `max` exact.
    static func object(count: Int, exactMax: Int64, _ values: () -> (UInt64, UInt64, UInt64, UInt64)) -> Percentiles {
        guard count > 0 else { return Percentiles(count: 0, p50: nil, p90: nil, p95: nil, p99: nil, max: nil) }
        let v = values()
        func s(_ n: UInt64) -> Double { Double(n) / 1e9 }
        return Percentiles(count: count, p50: s(v.0), p90: s(v.1), p95: s(v.2), p99: s(v.3), max: Double(exactMax) / 1e9)
    }
}
