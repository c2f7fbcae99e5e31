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
        for compact in [false, true] {
            var h = compact ? LatencyHistogram.compact() : LatencyHistogram()
            var reference = compact
                ? Histogram<UInt64>(highestTrackableValue: 60_000_000_000, numberOfSignificantValueDigits: .two)
                : Histogram<UInt64>(highestTrackableValue: LatencyHistogram.highest, numberOfSignificantValueDigits: .three)
            for _ in 0 ..< samples {
                // Log-uniform: every bucket magnitude gets samples.
                let v = Int64(pow(10, 3 + Double(rng.next() % 1_000_000) / 1_000_000 * 7.7))
                h.record(nanoseconds: v)
                reference.record(UInt64(v))
            }
            let got = h.values(at: (50, 90, 95, 99))
            #expect([got.0, got.1, got.2, got.3] == [50.0, 90, 95, 99].map { reference.valueAtPercentile($0) })
            #expect(h.percentiles.count == samples)
        }
    }
}
