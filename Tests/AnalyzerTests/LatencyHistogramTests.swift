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
        var full = LatencyHistogram(), compact = LatencyHistogram.compact()
        var fullReference = Histogram<UInt64>(highestTrackableValue: LatencyHistogram.highest,
                                              numberOfSignificantValueDigits: .three)
        var compactReference = Histogram<UInt64>(lowestDiscernibleValue: 100, highestTrackableValue: 60_000_000_000,
                                                 numberOfSignificantValueDigits: .two)
        for _ in 0 ..< samples {
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
        for var h in [LatencyHistogram.compact()] {
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
