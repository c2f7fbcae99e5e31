import Foundation

extension ReportTextRenderer {
    /// The `tls` section: totals and breakdowns, then the sessions (failed first; the text
    /// shows 20, JSON up to `--rows`), each with its fingerprints and certificate.
    static func tls(_ t: TLSSection) -> String {
        var out = "TLS: \(t.connections) connections, \(t.handshakes) handshakes, \(t.completed) completed\n"
        func counts(_ d: [String: Int]) -> String {
            d.isEmpty
                ? "-"
                : d.sorted { ($0.value, $1.key) > ($1.value, $0.key) }
                    .map { "\(TextEscaping.escape($0.key)) \($0.value)" }.joined(separator: ", ")
        }
        let f = t.failures
        let kinds = [
            ("version mismatch", f.versionMismatch), ("no common parameters", f.noCommonParameters),
            ("alert", f.alert), ("reset after ClientHello", f.resetAfterClientHello),
            ("no ServerHello", f.noServerHello), ("closed during handshake", f.closedDuringHandshake),
        ]
        .filter { $0.1 > 0 }.map { "\($0.0) \($0.1)" }
        let lines: [(String, String)] = [
            ("versions", counts(t.versions)),
            ("server names", counts(t.serverNames)),
            ("handshake", percentiles(t.handshakeLatency)),
            ("to ServerHello", percentiles(t.clientHelloToServerHello)),
            ("failures", "\(f.total)" + (kinds.isEmpty ? "" : " (" + kinds.joined(separator: ", ") + ")")),
            ("alerts", counts(t.alerts)),
            ("malformed", "\(t.malformed)"),
            (
                "QUIC",
                t.quic.packets == 0
                    ? "-"
                    : "\(t.quic.packets) packets on \(t.quic.connections) flows, versions "
                        + counts(t.quic.versions)
            ),
        ]
        for (k, v) in lines { out += "  " + pad(k, 20) + v + "\n" }
        for example in t.malformedExamples { out += "  " + pad("malformed", 20) + TextEscaping.escape(example) + "\n" }
        for g in t.byServerName.rows.prefix(10) where t.byServerName.rows.count > 1 {
            out +=
                "  " + pad("server name", 20) + TextEscaping.escape(g.key) + ": \(g.handshakes) handshakes, "
                + "\(g.failures) failed, " + percentiles(g.handshakeLatency) + "\n"
        }
        let rows = t.sessions.rows.prefix(20)
        guard !rows.isEmpty else { return out }
        let width = max(21, rows.map { max($0.client.count, $0.server.count) }.max() ?? 0) + 1
        out +=
            "\n" + pad("client", width) + pad("server", width) + pad("version", 9) + pad("cipher", 8)
            + padLeft("hello ms", 9) + padLeft("hs ms", 9) + "  sni / outcome\n"
        for s in rows {
            let ms = { (v: Double?) in v.map { String(format: "%.3f", $0 * 1000) } ?? "-" }
            var outcome = TextEscaping.escape(s.sni ?? "(no sni)")
            if let failure = s.failure { outcome += "  FAILED: " + failure }
            if !s.alerts.isEmpty { outcome += "  alerts: " + s.alerts.joined(separator: ", ") }
            if s.resumed == true { outcome += "  resumed" }
            if s.helloRetryRequest { outcome += "  HRR" }
            out +=
                pad(s.client, width) + pad(s.server, width) + pad(s.version ?? s.offeredVersion.map { $0 + "?" } ?? "-", 9)
                + pad(s.cipher ?? "-", 8) + padLeft(ms(s.clientHelloToServerHello), 9) + padLeft(ms(s.handshakeLatency), 9)
                + "  " + outcome + "\n"
            var details: [String] = []
            if !s.alpnOffered.isEmpty {
                details.append(
                    "alpn " + (s.alpn.map(TextEscaping.escape) ?? "-") + " of "
                        + s.alpnOffered.map(TextEscaping.escape).joined(separator: ","))
            }
            if let ja4 = s.ja4 { details.append("ja4 " + ja4) }
            if let ja3 = s.ja3 { details.append("ja3 " + ja3) }
            if let ja3s = s.ja3s { details.append("ja3s " + ja3s) }
            if !details.isEmpty { out += "    " + details.joined(separator: "  ") + "\n" }
            if let c = s.certificate {
                let flag = c.expired ? "  EXPIRED" : c.expiresWithin30Days ? "  EXPIRES WITHIN 30 DAYS" : ""
                let until = Date(timeIntervalSince1970: c.notAfter).formatted(.iso8601)
                out +=
                    "    certificate " + TextEscaping.escape(c.subject.isEmpty ? "-" : c.subject) + " until " + until + flag
                    + "\n"
                if let error = c.error { out += "      " + TextEscaping.escape(error) + "\n" }
                if !c.sans.isEmpty { out += "      sans " + c.sans.map(TextEscaping.escape).joined(separator: ", ") + "\n" }
            }
        }
        if t.sessions.omitted + t.sessions.rows.count > rows.count {
            out += "... \(t.sessions.total - rows.count) more sessions (JSON lists up to --rows)\n"
        }
        return out
    }
}
