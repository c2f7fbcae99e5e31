import Foundation

/// `loupe report` as text: the inputs in a line each, then each section, worst first
/// (the text shows the 20 worst DNS transactions; JSON lists up to `--rows`).
public enum ReportTextRenderer {
    /// Sections `--section` can select, in the order they are printed.
    public static let sectionNames = ["findings", "path", "dns", "tcp", "tls", "icmp", "http", "pods", "api", "kernel"]

    /// `sections`: the ones to print (nil: all). `colour`: ANSI colour for severities and
    /// headings (the caller decides: a terminal, and no NO_COLOR).
    public static func render(_ r: Report, sections: Set<String>? = nil, colour: Bool = false) -> String {
        func wanted(_ name: String) -> Bool { sections?.contains(name) ?? true }
        // The inputs as given, one line each, never wrapped: a path to copy.
        var title = ""
        for i in r.inputs {
            title += "\(TextEscaping.escape(i.path)): \(i.packets) packets, \(i.bytes) bytes"
            if let d = i.damage { title += ", DAMAGED at byte \(d.offset): \(TextEscaping.escape(d.message))" }
            title += "\n"
        }
        var out = ""
        if let f = r.filter { out += "Filter \"\(TextEscaping.escape(f))\": \(r.matchedPackets) packets matched\n" }
        if r.flowTable.evicted > 0 {
            out += "warning: \(r.flowTable.evicted) flows evicted at the live-flow cap: counts are incomplete\n"
        }
        for w in r.warnings { out += "warning: \(TextEscaping.escape(w))\n" }
        if wanted("findings") { out += findings(r.findings, colour: colour) }
        if wanted("path"), let s = r.sightings { out += "\n" + heading(path(s, r.path), colour) }
        if wanted("dns") { out += "\n" + heading(dns(r.dns), colour) }
        if wanted("tcp") { out += "\n" + heading(tcp(r.tcp), colour) }
        if wanted("tls") { out += "\n" + heading(tls(r.tls), colour) }
        if wanted("icmp"), let i = r.icmp, i.messages > 0 { out += "\n" + heading(icmp(i), colour) }
        if wanted("http"), let h = r.http { out += "\n" + heading(http(h), colour) }
        if wanted("kernel"), let k = r.kernel { out += "\n" + heading(kernel(k), colour) }
        if wanted("pods") || wanted("api") {
            var copy = r
            if !wanted("pods") { copy.attribution.metadata = [] }
            if !wanted("api") { copy.apiServer = APIServerSection() }
            let pods = pods(copy)
            if !pods.isEmpty { out += "\n" + heading(pods, colour) }
        }
        return title + TextWrap.fit(out)
    }

    /// The section's first line in bold.
    static func heading(_ text: String, _ colour: Bool) -> String {
        guard colour, let end = text.firstIndex(of: "\n") else { return text }
        return "\u{1B}[1m" + text[..<end] + "\u{1B}[0m" + text[end...]
    }

    /// The findings, each on a line with its severity; "no findings" says the checks ran.
    static func findings(_ list: [Finding], colour: Bool = false) -> String {
        var out = "\n" + (colour ? "\u{1B}[1mFindings:\u{1B}[0m" : "Findings:") + (list.isEmpty ? " none\n" : "\n")
        for (n, f) in list.enumerated() {
            var severity = pad(f.severity.rawValue.uppercased(), 9)
            if colour {
                severity =
                    (f.severity == .critical ? "\u{1B}[31m" : f.severity == .warning ? "\u{1B}[33m" : "\u{1B}[36m") + severity
                    + "\u{1B}[0m"
            }
            out += "  " + severity + TextEscaping.escape(f.title) + "\n"
            if let detail = f.detail { out += "  " + pad("", 9) + "  " + TextEscaping.escape(detail) + "\n" }
            if let e = f.evidence {
                var line = "evidence: " + e.rows
                if let filter = e.displayFilter { line += "; Wireshark: " + filter }
                if !e.frames.isEmpty { line += "; frames " + e.frames.map(String.init).joined(separator: ", ") }
                if !e.flows.isEmpty || e.captureFilter != nil { line += "; loupe extract --finding \(n + 1)" }
                out += "  " + pad("", 9) + "  " + TextEscaping.escape(line) + "\n"
            }
        }
        return out
    }

    static func dns(_ d: DNSSection) -> String {
        var out = "DNS: \(d.queries) queries, \(d.responses) responses, \(d.transactions) transactions\n"
        let rcodes = d.rcodes.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.map { "\($0.key) \($0.value)" }
        let qtypes = d.qtypes.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.map { "\($0.key) \($0.value)" }
        let lines: [(String, String)] = [
            ("unanswered", "\(d.unanswered) (retransmitted queries \(d.retransmissions))"),
            ("latency", percentiles(d.latency)),
            ("rcodes", rcodes.isEmpty ? "-" : rcodes.joined(separator: ", ")),
            ("qtypes", qtypes.isEmpty ? "-" : qtypes.joined(separator: ", ")),
            (
                "other",
                "\(d.duplicateResponses) duplicate responses, \(d.responsesWithoutQuery) without a query, "
                    + "\(d.truncatedResponses) truncated, \(d.malformed) malformed"
            ),
            (
                "tcp fallback",
                d.truncatedResponses == 0
                    ? "-"
                    : "\(d.truncatedRetriedOverTcp) of \(d.truncatedResponses) truncated answers retried over TCP"
                        + (d.truncatedRetriedOverTcp > 0 ? ", lookup " + percentiles(d.tcpFallbackLatency) : "")
            ),
        ]
        for (k, v) in lines { out += "  " + pad(k, 20) + v + "\n" }
        for example in d.malformedExamples { out += "  " + pad("malformed", 20) + TextEscaping.escape(example) + "\n" }
        let sp = d.searchPath
        if sp.wastedQueries > 0 {
            out +=
                "  " + pad("search path", 20) + "\(sp.wastedQueries) queries wasted in \(sp.chains) lookups, "
                + String(format: "%.3f ms lost", sp.timeLost * 1000) + "\n"
            for row in sp.names.rows.prefix(10) {
                out +=
                    "    " + pad(row.client, 18) + TextEscaping.escape(row.name) + " -> "
                    + TextEscaping.escape(row.resolvedAs) + ": \(row.wastedQueries) wasted\n"
            }
            if let advice = sp.advice { out += "  " + TextEscaping.escape(advice) + "\n" }
        }
        let rows = d.transactionList.rows.prefix(20)
        guard !rows.isEmpty else { return out }
        let width = max(21, rows.map { max($0.client.count, $0.server.count) }.max() ?? 0) + 1
        out +=
            "\n" + pad("client", width) + pad("server", width) + pad("qtype", 7) + pad("rcode", 10)
            + padLeft("ms", 9) + "  name\n"
        for t in rows {
            let ms = t.latency.map { String(format: "%.3f", $0 * 1000) } ?? "-"
            out +=
                pad(t.client, width) + pad(t.server, width) + pad(t.qtype, 7) + pad(t.rcode ?? "(none)", 10)
                + padLeft(ms, 9) + "  " + TextEscaping.escape(t.qname) + "\n"
        }
        if d.transactionList.total > rows.count {
            out += "... \(d.transactionList.total - rows.count) more transactions (JSON lists up to --rows)\n"
        }
        return out
    }

    static func tcp(_ t: TCPSection) -> String {
        var out = "TCP: \(t.connections) connections\n"
        let totals: [(String, String)] = [
            ("retransmissions", "\(t.retransmissions) (fast \(t.fastRetransmissions), spurious \(t.spuriousRetransmissions))"),
            ("retransmission rate", String(format: "%.2f%% of data packets", t.retransmissionRate * 100)),
            ("lost segments", "\(t.lostSegments) (acked unseen \(t.ackedUnseenSegments))"),
            ("out of order", "\(t.outOfOrder)"),
            ("duplicate ACKs", "\(t.duplicateAcks)"),
            ("zero windows", "\(t.zeroWindows) (probes \(t.zeroWindowProbes)), window full \(t.windowFull)"),
            (
                "resets",
                "\(t.resets)"
                    + (t.resetsByKind.isEmpty
                        ? ""
                        : " packets; connections: "
                            + t.resetsByKind.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.map { "\($0.key) \($0.value)" }
                            .joined(separator: ", "))
            ),
            ("initial RTT", percentiles(t.initialRtt)),
            ("ACK RTT to server", percentiles(t.ackRtt.clientToServer)),
            ("ACK RTT to client", percentiles(t.ackRtt.serverToClient)),
        ]
        for (k, v) in totals { out += "  " + pad(k, 20) + v + "\n" }
        let rows = t.flows.rows
        guard !rows.isEmpty else { return out }
        let width = max(21, rows.map { max($0.client.count, $0.server.count) }.max() ?? 0) + 1
        out +=
            "\n" + pad("client", width) + pad("server", width) + padLeft("pkts", 7) + padLeft("retx", 6)
            + padLeft("lost", 6) + padLeft("ooo", 5) + padLeft("dupack", 7) + padLeft("rst", 4) + padLeft("iRTT ms", 9)
            + "  state  history\n"
        for f in rows {
            let irtt = f.initialRtt.map { String(format: "%.3f", $0 * 1000) } ?? "-"
            out +=
                pad(f.client, width) + pad(f.server, width) + padLeft("\(f.packets)", 7)
                + padLeft("\(f.retransmissions)", 6) + padLeft("\(f.lostSegments)", 6) + padLeft("\(f.outOfOrder)", 5)
                + padLeft("\(f.duplicateAcks)", 7) + padLeft("\(f.resets)", 4) + padLeft(irtt, 9) + "  "
                + pad(f.connState, 6) + " " + f.history + "\n"
        }
        if t.flows.omitted > 0 { out += "... \(t.flows.omitted) more connections (raise --rows to see them)\n" }
        return out
    }

    static func percentiles(_ p: Percentiles) -> String {
        guard p.count > 0, let p50 = p.p50, let p99 = p.p99, let max = p.max else { return "no samples" }
        return String(format: "p50 %.3f ms, p99 %.3f ms, max %.3f ms (%d samples)", p50 * 1000, p99 * 1000, max * 1000, p.count)
    }

    static func pad(_ s: String, _ width: Int) -> String { SummaryTextRenderer.pad(s, width) }
    static func padLeft(_ s: String, _ width: Int) -> String { SummaryTextRenderer.padLeft(s, width) }
}
