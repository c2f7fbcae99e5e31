@testable import Reports
import Testing

struct MetricsRendererTests {
    static func model(series: Int, steps: Int) -> MetricsModel {
        var m = MetricsModel(step: 10_000_000_000, firstStep: 0, lastStep: Int64(steps - 1))
        var family = MetricsModel.Family(name: "loupe_test", help: "test", kind: .gauge)
        for s in 0..<series {
            var cells: [Int64: MetricsModel.Cell] = [:]
            for k in 0..<steps { cells[Int64(k)] = MetricsModel.Cell(value: Double(s + k)) }
            family.series.append(
                MetricsModel.Series(
                    labels: [("series", "s\(s)"), ("pod", "a-pod-with-a-long-name")],
                    steps: cells))
        }
        m.families = [family]
        return m
    }

    /// A total is summed in step order, whatever order the steps' dictionary iterates in:
    /// (1e16 + 1) - 1e16 is 0 in doubles, where another order gives 1 or 2.
    @Test func prometheusTotalsSumInStepOrder() {
        var m = MetricsModel(step: 10_000_000_000, firstStep: 0, lastStep: 3)
        var family = MetricsModel.Family(name: "loupe_sum", help: "test", kind: .gauge)
        family.series = [
            MetricsModel.Series(
                labels: [],
                steps: [
                    0: .init(value: 1e16), 1: .init(value: 1),
                    2: .init(value: 1), 3: .init(value: -1e16),
                ])
        ]
        m.families = [family]
        #expect(MetricsRenderer.prometheus(m) == "# HELP loupe_sum test\n# TYPE loupe_sum gauge\nloupe_sum 0\n")
    }

    /// Long output comes in parts of about a megabyte (never the whole text at once), and
    /// the parts are the whole text.
    @Test func longOutputIsEmittedInParts() {
        let m = Self.model(series: 5000, steps: 12)
        var parts: [Int] = []
        var joined = ""
        MetricsRenderer.openMetrics(m) { part in
            parts.append(part.utf8.count)
            joined += part
        }
        #expect(joined == MetricsRenderer.openMetrics(m))
        #expect(joined.hasSuffix("# EOF\n"))
        #expect(joined.utf8.count > 3 * MetricsRenderer.chunk)
        #expect(parts.count >= 3)
        // A part ends after the series that crossed the mark: one series is 12 short lines.
        #expect(parts.allSatisfy { $0 < MetricsRenderer.chunk + 2_000 })
    }
}
