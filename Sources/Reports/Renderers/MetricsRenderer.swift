import Foundation

/// The metrics formats. `prometheus`: totals over the capture in the Prometheus text
/// exposition format, no timestamps (node_exporter's textfile collector, a Pushgateway).
/// `openmetrics`: every series at the end of each step in which it changed, cumulative,
/// with timestamps in seconds, ending in `# EOF` (for `promtool tsdb create-blocks-from
/// openmetrics`). Families and series in name order, so output is deterministic. Retina's
/// families are declared gauges: their sample names stay exactly Retina's (an OpenMetrics
/// counter's samples would gain `_total`).
public enum MetricsRenderer {
    public static func prometheus(_ m: MetricsModel) -> String {
        var all = ""
        prometheus(m) { all += $0 }
        return all
    }

    public static func openMetrics(_ m: MetricsModel) -> String {
        var all = ""
        openMetrics(m) { all += $0 }
        return all
    }

    /// Captures spanning fewer steps than this get every series at every step (from a zero at
    /// the start to the end); longer ones only at the steps where a series changed. A step
    /// chosen from the capture's length always spans at most 200.
    static let denseSteps = 1000

    /// The text in parts of about `chunk` bytes: the whole of it (tens of MB for a long
    /// capture's OpenMetrics) is never held at once.
    static let chunk = 1 << 20

    public static func prometheus(_ m: MetricsModel, emit: (String) throws -> Void) rethrows {
        var out = ""
        for family in sorted(m) {
            out += "# HELP \(family.name) \(escapeHelp(family.help))\n# TYPE \(family.name) \(family.kind.rawValue)\n"
            let bounds = boundTexts(family)
            for (series, labels) in sortedSeries(family, m.constantLabels) {
                var total = MetricsModel.Cell(buckets: Array(repeating: 0, count: family.bounds.count + 1))
                running(series, family) { _, cell in total = cell }
                samples(family, labels, bounds, total, timestamp: nil, into: &out)
                if out.utf8.count >= chunk {
                    try emit(out)
                    out = ""
                }
            }
        }
        try emit(out)
    }

    public static func openMetrics(_ m: MetricsModel, emit: (String) throws -> Void) rethrows {
        var out = ""
        for family in sorted(m) {
            out += "# TYPE \(family.name) \(family.kind.rawValue)\n# HELP \(family.name) \(escapeHelp(family.help))\n"
            let bounds = boundTexts(family)
            let dense = m.lastStep &- m.firstStep < Int64(denseSteps) && m.lastStep >= m.firstStep
            for (series, labels) in sortedSeries(family, m.constantLabels) {
                if dense {
                    // Zero at the capture's start, then every step to its end: rate() and
                    // increase() see each series from the first step (Retina's dashboards).
                    let zero = MetricsModel.Cell(buckets: Array(repeating: 0, count: family.bounds.count + 1))
                    samples(family, labels, bounds, zero, timestamp: stepEnd(m.firstStep &- 1, m.step), into: &out)
                    var total = zero
                    for k in m.firstStep...m.lastStep {
                        if let cell = series.steps[k] { total.add(cell) }
                        samples(family, labels, bounds, total, timestamp: stepEnd(k, m.step), into: &out)
                    }
                } else {
                    // Cumulative, a point at the end of each step in which the series changed
                    // (a capture whose timestamps jump by years must not mean billions of points).
                    running(series, family) { k, cell in
                        samples(family, labels, bounds, cell, timestamp: stepEnd(k, m.step), into: &out)
                    }
                }
                if out.utf8.count >= chunk {
                    try emit(out)
                    out = ""
                }
            }
        }
        try emit(out + "# EOF\n")
    }

    /// The series' running total after each step in which it changed, in step order (a
    /// Prometheus total is the last: summed in the steps dictionary's order, its last digits
    /// depended on where the dictionary's storage happened to be allocated).
    static func running(
        _ series: MetricsModel.Series, _ family: MetricsModel.Family,
        _ body: (Int64, MetricsModel.Cell) -> Void
    ) {
        var running = MetricsModel.Cell(buckets: Array(repeating: 0, count: family.bounds.count + 1))
        for k in series.steps.keys.sorted() {
            let cell = series.steps[k]!
            running.value += cell.value
            for i in cell.buckets.indices where i < running.buckets.count { running.buckets[i] += cell.buckets[i] }
            body(k, running)
        }
    }

    static func sorted(_ m: MetricsModel) -> [MetricsModel.Family] { m.families.sorted { $0.name < $1.name } }

    /// The family's series in label-text order, each with its label text (written once per
    /// series, not once per sample: a series has a sample per step, and a histogram's has a
    /// line per bucket).
    static func sortedSeries(
        _ f: MetricsModel.Family, _ constant: [MetricsModel.Label] = []
    )
        -> [(MetricsModel.Series, LabelText)]
    {
        f.series.map { s in
            var labels = s.labels
            for c in constant where !labels.contains(where: { $0.0 == c.name }) { labels.append((c.name, c.value)) }
            return (s, LabelText(labelText(labels)))
        }.sorted { $0.1.text < $1.1.text }
    }

    /// A series' label text, and the same with a histogram's `le` label added last.
    struct LabelText {
        let text: String
        /// `{labels,` or `{`: `le="bound"}` completes it.
        let bucketPrefix: String
        init(_ text: String) {
            self.text = text
            bucketPrefix = text.isEmpty ? "{" : String(text.dropLast()) + ","
        }
    }

    /// The end of step `k` in seconds, exact to the millisecond (steps are whole milliseconds):
    /// "1795718698.55", not the binary fraction a Double prints.
    static func stepEnd(_ k: Int64, _ step: Int64) -> String {
        let (end, overflow) = (k &+ 1).multipliedReportingOverflow(by: step)
        if overflow || end < 0 { return number(Double(k) * Double(step) / 1e9 + Double(step) / 1e9) }
        let (s, r) = end.quotientAndRemainder(dividingBy: 1_000_000_000)
        guard r != 0 else { return String(s) }
        var fraction = String(r / 1_000_000)
        fraction = String(repeating: "0", count: 3 - fraction.count) + fraction
        while fraction.hasSuffix("0") { fraction.removeLast() }
        return "\(s).\(fraction)"
    }

    /// `le="bound"}` for each histogram bound, then `+Inf`.
    static func boundTexts(_ family: MetricsModel.Family) -> [String] {
        family.kind == .histogram ? (family.bounds.map(number) + ["+Inf"]).map { "le=\"" + escapeLabel($0) + "\"}" } : []
    }

    /// One metric point: a gauge's sample, or a histogram's buckets, count and sum.
    static func samples(
        _ family: MetricsModel.Family, _ labels: LabelText, _ bounds: [String], _ cell: MetricsModel.Cell,
        timestamp: String?, into out: inout String
    ) {
        let ts = timestamp.map { " " + $0 } ?? ""
        guard family.kind == .histogram else {
            out += family.name + labels.text + " " + number(cell.value) + ts + "\n"
            return
        }
        var cumulative = 0
        for (i, bound) in bounds.enumerated() {
            cumulative += i < cell.buckets.count ? cell.buckets[i] : 0
            out += family.name + "_bucket" + labels.bucketPrefix + bound + " \(cumulative)" + ts + "\n"
        }
        out += family.name + "_count" + labels.text + " \(cumulative)" + ts + "\n"
        out += family.name + "_sum" + labels.text + " " + number(cell.value) + ts + "\n"
    }

    static func labelText(_ labels: [(String, String)]) -> String {
        labels.isEmpty ? "" : "{" + labels.map { $0.0 + "=\"" + escapeLabel($0.1) + "\"" }.joined(separator: ",") + "}"
    }

    /// Label values: backslash, double quote and newline escaped (the exposition formats'
    /// rule); other control bytes as \DDD-free text are kept out by replacing them with '?'.
    static func escapeLabel(_ s: String) -> String {
        var out = ""
        for u in s.unicodeScalars {
            switch u {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(u.value < 0x20 || u.value == 0x7F ? "?" : u)
            }
        }
        return out
    }

    static func escapeHelp(_ s: String) -> String {
        s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\n", with: "\\n")
    }

    /// Shortest exact decimal text ("0.5", "12", "1795718567.5").
    static func number(_ v: Double) -> String {
        if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
        return "\(v)"
    }
}
