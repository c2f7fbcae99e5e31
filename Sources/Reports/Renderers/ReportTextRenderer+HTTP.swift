import Foundation

extension ReportTextRenderer {
    /// HTTP between any endpoints (decrypted or cleartext): totals, then by server, by route
    /// and by gRPC method (statuses there are grpc-status codes).
    static func http(_ h: HTTPSection) -> String {
        let decrypted = h.requestList.rows.filter(\.decrypted).count, listed = h.requestList.rows.count
        let how = decrypted == listed ? "decrypted" : decrypted == 0 ? "cleartext" : "decrypted and cleartext"
        var out = "HTTP (\(how)): \(h.requests) requests\n"
        for (title, list) in [
            ("server", h.byServer), ("client", h.byClient), ("route", h.byRoute),
            ("gRPC method", h.grpc.byMethod),
        ]
        where !list.rows.isEmpty {
            out += "\n" + pad(title, 58) + padLeft("requests", 9) + padLeft("p50 ms", 10) + padLeft("p99 ms", 10) + "  statuses\n"
            for g in list.rows.prefix(20) {
                let statuses = g.byStatus.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
                out +=
                    pad(TextEscaping.escape(g.key), 58) + padLeft("\(g.requests)", 9)
                    + padLeft(g.latency.p50.map { String(format: "%.3f", $0 * 1000) } ?? "-", 10)
                    + padLeft(g.latency.p99.map { String(format: "%.3f", $0 * 1000) } ?? "-", 10) + "  " + statuses + "\n"
            }
            if list.total > 20 { out += "... \(list.total - 20) more (JSON lists up to --rows)\n" }
        }
        return out
    }
}
