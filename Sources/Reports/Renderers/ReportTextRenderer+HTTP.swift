import Foundation

extension ReportTextRenderer {
    /// Decrypted HTTP between any endpoints: totals, then by server and by route.
    static func http(_ h: HTTPSection) -> String {
        var out = "HTTP (decrypted): \(h.requests) requests\n"
        for (title, list) in [("server", h.byServer), ("route", h.byRoute)] where !list.rows.isEmpty {
            out += "\n" + pad(title, 58) + padLeft("requests", 9) + padLeft("p50 ms", 10) + padLeft("p99 ms", 10) + "  statuses\n"
            for g in list.rows.prefix(20) {
                let statuses = g.byStatus.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
                out += pad(TextEscaping.escape(g.key), 58) + padLeft("\(g.requests)", 9)
                    + padLeft(g.latency.p50.map { String(format: "%.3f", $0 * 1000) } ?? "-", 10)
                    + padLeft(g.latency.p99.map { String(format: "%.3f", $0 * 1000) } ?? "-", 10) + "  " + statuses + "\n"
            }
            if list.total > 20 { out += "... \(list.total - 20) more (JSON lists up to --rows)\n" }
        }
        return out
    }
}
