@testable import Analyzer
import Histogram
import Reports
import Testing
import Foundation

struct LatencyHistogramTests {
    /// The one-walk percentiles equal HdrHistogram's own `valueAtPercentile`, on skewed
    /// samples from a microsecond to a minute, full and compact, and on a single sample.
    @Test(arguments: [1, 2, 1_000, 50_000])
    func percentilesMatchHdrHistogram(samples: Int) {
        var rng = SplitMix(seed: UInt64(samples))
        var full = LatencyHistogram(), compact = CompactLatencyHistogram()
        var fullReference = Histogram<UInt64>(
            highestTrackableValue: LatencyHistogram.highest,
            numberOfSignificantValueDigits: .three)
        var compactReference = Histogram<UInt64>(
            lowestDiscernibleValue: 100, highestTrackableValue: 60_000_000_000,
            numberOfSignificantValueDigits: .two)
        for _ in 0..<samples {
            // Log-uniform: every bucket magnitude gets samples.
            let v = Int64(pow(10, 3 + Double(rng.next() % 1_000_000) / 1_000_000 * 7.7))
            full.record(nanoseconds: v)
            compact.record(nanoseconds: v)
            fullReference.record(UInt64(v))
            compactReference.record(UInt64(v))
        }
        let levels = [50.0, 90, 95, 99]
        let f = full.values(at: (50, 90, 95, 99)), c = compact.values(at: (50, 90, 95, 99))
        #expect([f.0, f.1, f.2, f.3] == levels.map { fullReference.valueAtPercentile($0) })
        #expect([c.0, c.1, c.2, c.3] == levels.map { compactReference.valueAtPercentile($0) })
        #expect(full.percentiles.count == samples && compact.percentiles.count == samples)
    }
}

extension LatencyHistogramTests {
    /// Samples at and past the limit (clamped to it) and at zero give percentiles, not a trap.
    @Test func extremes() {
        for var h in [CompactLatencyHistogram()] {
            h.record(nanoseconds: 0)
            h.record(nanoseconds: 60_000_000_000)
            h.record(nanoseconds: 3_600_000_000_000_000)
            #expect(h.percentiles.count == 3)
        }
        var full = LatencyHistogram()
        full.record(nanoseconds: 0)
        full.record(nanoseconds: Int64.max)
        #expect(full.percentiles.count == 2)
    }
}

extension LatencyHistogramTests {
    /// The sparse histogram equals HdrHistogram's at every percentile level, merged or not,
    /// with samples in the lowest bucket (HdrHistogram's `min` is then 0), at the clamp, and
    /// in one octave only; and it allocates only the half-buckets its samples reach.
    @Test(arguments: [3, 777, 20_000])
    func compactEqualsHdrHistogramMerged(samples: Int) {
        var rng = SplitMix(seed: UInt64(samples) &* 31)
        var a = CompactLatencyHistogram(), b = CompactLatencyHistogram()
        var reference = Histogram<UInt64>(
            lowestDiscernibleValue: 100, highestTrackableValue: 60_000_000_000,
            numberOfSignificantValueDigits: .two)
        for i in 0..<samples {
            var v = Int64(pow(10, 1 + Double(rng.next() % 1_000_000) / 1_000_000 * 10))  // 10 ns to 100 s
            if i % 97 == 0 { v = Int64(rng.next() % 64) }  // the lowest bucket, zero included
            if i % 2 == 0 { a.record(nanoseconds: v) } else { b.record(nanoseconds: v) }
            reference.record(min(UInt64(v), CompactLatencyHistogram.limit))
        }
        a.add(b)
        #expect(a.count == samples)
        for level in [(0.1, 1.0, 25.0, 50.0), (90, 95, 99, 99.9), (99.99, 100, 100, 100)] {
            let v = a.values(at: level)
            #expect([v.0, v.1, v.2, v.3] == [level.0, level.1, level.2, level.3].map { reference.valueAtPercentile($0) })
        }

        var narrow = CompactLatencyHistogram()
        // 1.1 to 1.5 ms: one octave (2^20 to 2^21 ns), so one half-bucket of 128 counts,
        // about 200 samples in each of the 49 the range reaches (8 bits, its 4-bit place left
        // unused); 500 samples over that range, about 10 in each, stay in 4 bits.
        var sparse = CompactLatencyHistogram()
        for i in 0..<500 { sparse.record(nanoseconds: 1_100_000 + Int64(i) * 800) }
        #expect(sparse.allocatedChunks == (1, 0, 0, 0))
        for i in 0..<10_000 { narrow.record(nanoseconds: 1_100_000 + Int64(i) * 40) }
        #expect(narrow.allocatedChunks == (1, 1, 0, 0))
        #expect(narrow.percentiles.max == 0.00149996)
    }

    /// A count past 15 moves its half-bucket to 8-bit storage, past 255 to 16-bit, past
    /// 65,535 to 32-bit:
    /// recorded one by one and merged (a histogram adding another's wide count to its
    /// narrower one, and the reverse), the counts stay exact and the percentiles equal
    /// HdrHistogram's.
    @Test func countsPastSixteenBits() {
        var hot = CompactLatencyHistogram(), cold = CompactLatencyHistogram()
        var reference = Histogram<UInt64>(
            lowestDiscernibleValue: 100, highestTrackableValue: 60_000_000_000,
            numberOfSignificantValueDigits: .two)
        for _ in 0..<70_000 { hot.record(nanoseconds: 800_000) }  // one bucket
        for i in 0..<3_000 { hot.record(nanoseconds: 700_000 + Int64(i) * 100) }  // its neighbours
        for i in 0..<60_000 { cold.record(nanoseconds: 800_000 + Int64(i % 3) * 4_000) }
        for _ in 0..<70_000 { reference.record(800_000) }
        for i in 0..<3_000 { reference.record(700_000 + UInt64(i) * 100) }
        for i in 0..<60_000 { reference.record(800_000 + UInt64(i % 3) * 4_000) }
        #expect(hot.allocatedChunks == (1, 1, 1, 1))  // widened three times, its old places left unused
        #expect(cold.allocatedChunks == (1, 1, 1, 0))  // 20,000 in each of three buckets
        var merged = cold
        merged.add(hot)  // wide counts into a narrow chunk that then overflows
        var other = hot
        other.add(cold)
        #expect(merged.allocatedChunks == (1, 1, 1, 1) && other.allocatedChunks == (1, 1, 1, 1))
        for h in [merged, other] {
            #expect(h.count == 133_000)
            for level in [(1.0, 25.0, 50.0, 52.0), (53, 90, 99, 100)] {
                let v = h.values(at: level)
                #expect([v.0, v.1, v.2, v.3] == [level.0, level.1, level.2, level.3].map { reference.valueAtPercentile($0) })
            }
        }
    }
}

extension LatencyHistogramTests {
    /// Samples wait in a sorted batch before they reach the buckets: percentiles, merges and
    /// counts see them all the same, on either side of a merge and across batch boundaries.
    @Test func batchedSamplesCountEverywhere() {
        var rng = SplitMix(seed: 5)
        var a = LatencyHistogram(), b = LatencyHistogram()
        var reference = Histogram<UInt64>(highestTrackableValue: LatencyHistogram.highest, numberOfSignificantValueDigits: .three)
        for i in 0..<(LatencyHistogram.batch * 2 + 300) {
            let v = Int64(rng.next() % 200_000_000)
            if i % 3 == 0 { b.record(nanoseconds: v) } else { a.record(nanoseconds: v) }
            reference.record(UInt64(v))
        }
        let before = a.values(at: (50, 90, 95, 99))
        a.add(b)
        let merged = a.values(at: (50, 90, 95, 99)), again = a.values(at: (50, 90, 95, 99))
        #expect([merged.0, merged.1, merged.2, merged.3] == [50.0, 90, 95, 99].map { reference.valueAtPercentile($0) })
        #expect(merged == again && before != merged)
        #expect(a.count == LatencyHistogram.batch * 2 + 300 && a.percentiles.count == a.count)
    }
}
