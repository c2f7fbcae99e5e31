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
        var out = ""
        for family in sorted(m) {
            out += "# HELP \(family.name) \(escapeHelp(family.help))\n# TYPE \(family.name) \(family.kind.rawValue)\n"
            for series in sortedSeries(family) {
                let total = series.steps.values.reduce(MetricsModel.Cell(buckets: Array(repeating: 0, count: family.bounds.count + 1))) {
                    var c = $0
                    c.value += $1.value
                    for i in $1.buckets.indices where i < c.buckets.count { c.buckets[i] += $1.buckets[i] }
                    return c
                }
                out += samples(family, series.labels, total, timestamp: nil)
            }
        }
        return out
    }

    public static func openMetrics(_ m: MetricsModel) -> String {
        var out = ""
        let stepSeconds = Double(m.step) / 1e9
        for family in sorted(m) {
            out += "# TYPE \(family.name) \(family.kind.rawValue)\n# HELP \(family.name) \(escapeHelp(family.help))\n"
            for series in sortedSeries(family) {
                var running = MetricsModel.Cell(buckets: Array(repeating: 0, count: family.bounds.count + 1))
                // Cumulative, a point at the end of each step in which the series changed (a
                // capture whose timestamps jump by years must not mean billions of points).
                for k in series.steps.keys.sorted() {
                    let cell = series.steps[k]!
                    running.value += cell.value
                    for i in cell.buckets.indices where i < running.buckets.count { running.buckets[i] += cell.buckets[i] }
                    out += samples(family, series.labels, running, timestamp: Double(k + 1) * stepSeconds)
                }
            }
        }
        return out + "# EOF\n"
    }

    static func sorted(_ m: MetricsModel) -> [MetricsModel.Family] { m.families.sorted { $0.name < $1.name } }

    static func sortedSeries(_ f: MetricsModel.Family) -> [MetricsModel.Series] {
        f.series.map { ($0, labelText($0.labels)) }.sorted { $0.1 < $1.1 }.map(\.0)
    }

    /// One metric point: a gauge's sample, or a histogram's buckets, count and sum.
    static func samples(_ family: MetricsModel.Family, _ labels: [(String, String)], _ cell: MetricsModel.Cell,
                        timestamp: Double?) -> String {
        let ts = timestamp.map { " " + number($0) } ?? ""
        guard family.kind == .histogram else { return family.name + labelText(labels) + " " + number(cell.value) + ts + "\n" }
        var out = ""
        var cumulative = 0
        for (i, bound) in (family.bounds.map(number) + ["+Inf"]).enumerated() {
            cumulative += i < cell.buckets.count ? cell.buckets[i] : 0
            out += family.name + "_bucket" + labelText(labels + [("le", bound)]) + " \(cumulative)" + ts + "\n"
        }
        out += family.name + "_count" + labelText(labels) + " \(cumulative)" + ts + "\n"
        out += family.name + "_sum" + labelText(labels) + " " + number(cell.value) + ts + "\n"
        return out
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

    static func escapeHelp(_ s: String) -> String { s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\n", with: "\\n") }

    /// Shortest exact decimal text ("0.5", "12", "1795718567.5").
    static func number(_ v: Double) -> String {
        if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
        return "\(v)"
    }
}
