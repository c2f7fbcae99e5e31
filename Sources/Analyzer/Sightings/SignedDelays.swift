import Reports

/// One hop's delays (nanoseconds), which may be negative: between points on two nodes a delay
/// is measured in the two nodes' own clocks, and shifted by their offset only at the end of the
/// pass, when `NodeClocks` has estimated it. Non-negative samples and the magnitudes of negative
/// ones are kept in two `CompactLatencyHistogram`s (2 significant digits, up to 60 s each way);
/// a percentile of the shifted delays is the shifted percentile, so no sample is kept.
struct SignedDelays {
    private var nonNegative = CompactLatencyHistogram()
    private var negative = CompactLatencyHistogram()
    private(set) var largest: Int64 = .min

    var count: Int { nonNegative.count + negative.count }

    mutating func record(_ delay: Int64) {
        if delay >= 0 {
            nonNegative.record(nanoseconds: delay)
        } else {
            negative.record(nanoseconds: delay == .min ? .max : -delay)
        }
        largest = max(largest, delay)
    }

    /// `{count, p50, p90, p95, p99, max}` in seconds of the delays minus `shift` (nanoseconds:
    /// the later point's clock minus the earlier's). Ranks as `PercentileWalk`'s (nearest rank).
    func percentiles(minus shift: Int64) -> Percentiles {
        let n = count
        guard n > 0 else { return Percentiles(count: 0, p50: nil, p90: nil, p95: nil, p99: nil, max: nil) }
        let negatives = negative.count
        let levels: [Double] = [50, 90, 95, 99]
        // Each level's rank among all samples, then which histogram holds it and at what
        // level of its own (the k-th of m: (k - 0.5) / m, which rounds up to k).
        var fromNegative: [Double] = [], fromNonNegative: [Double] = []
        var sides: [(negative: Bool, slot: Int)] = []
        for p in levels {
            let rank = max(1, Int((p.nextDown * Double(n) / 100).rounded(.up)))
            if rank <= negatives {
                // The rank-th smallest signed value is the (negatives - rank + 1)-th smallest magnitude.
                let k = negatives - rank + 1
                sides.append((true, fromNegative.count))
                fromNegative.append((Double(k) - 0.5) * 100 / Double(negatives))
            } else {
                let k = rank - negatives
                sides.append((false, fromNonNegative.count))
                fromNonNegative.append((Double(k) - 0.5) * 100 / Double(nonNegative.count))
            }
        }
        let negativeValues = Self.values(negative, fromNegative)
        let nonNegativeValues = Self.values(nonNegative, fromNonNegative)
        func seconds(_ v: Int64) -> Double { Double(v &- shift) / 1e9 }
        let out = sides.map { side -> Double in
            side.negative
                ? seconds(-Int64(clamping: negativeValues[side.slot]))
                : seconds(Int64(clamping: nonNegativeValues[side.slot]))
        }
        return Percentiles(count: n, p50: out[0], p90: out[1], p95: out[2], p99: out[3], max: seconds(largest))
    }

    /// Up to four levels of one histogram, in the order given (its walk takes them in
    /// ascending order, padded with 100).
    private static func values(_ h: CompactLatencyHistogram, _ levels: [Double]) -> [UInt64] {
        guard !levels.isEmpty else { return [] }
        let order = levels.indices.sorted { levels[$0] < levels[$1] }
        let l = order.map { levels[$0] } + Array(repeating: 100, count: 4 - levels.count)
        let v = h.values(at: (l[0], l[1], l[2], l[3]))
        let found = [v.0, v.1, v.2, v.3]
        var out = [UInt64](repeating: 0, count: levels.count)
        for (place, index) in order.enumerated() { out[index] = found[place] }
        return out
    }
}
