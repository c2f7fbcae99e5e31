import Foundation
import Plot

/// `loupe report --format html`: one self-contained page that works offline and forever.
/// Inline CSS and SVG, no URL of any kind, a Content-Security-Policy that forbids loading
/// anything, a small inline script that makes tables sortable (the page reads without it).
/// Every string from the capture or the metadata goes through Plot's text nodes (escaped);
/// the SVG charts are built from numbers only.
public enum HTMLRenderer {
    static let policy =
        "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"

    public static func render(_ r: Report, metrics: MetricsModel?, streamGraphs: [StreamGraph] = []) -> String {
        let start = HTMLBanner.window(r)?.start
        func at(_ t: Double) -> String { HTMLBanner.clock(t, start: start) }
        let html = HTML(
            .head(
                .meta(.charset(.utf8)),
                .meta(
                    .attribute(named: "http-equiv", value: "Content-Security-Policy"), .attribute(named: "content", value: policy)
                ),
                .meta(.attribute(named: "name", value: "viewport"), .attribute(named: "content", value: "width=device-width")),
                .title("Loupe report"),
                .style(HTMLStyle.css)
            ),
            .body(
                .h1("Loupe report"),
                HTMLBanner.banner(r),
                .p(
                    .class("inputs"), .id("inputs"),
                    .forEach(r.inputs) { i in
                        .span(
                            .text(
                                "\(i.path): \(i.packets) packets, \(i.bytes) bytes"
                                    + (i.damage.map { ", damaged at byte \($0.offset)" } ?? "")))
                    }),
                .h2("Findings"),
                findings(r.findings),
                .unwrap(metrics) { m in
                    .group(.h2("Timeline"), .raw(HTMLCharts.timeline(m)), .h2("Latency"), .raw(HTMLCharts.histograms(m)))
                },
                .unwrap(pods(r)) { $0 },
                .h2(.id("dns-section"), "DNS"),
                summary([
                    ("queries", "\(r.dns.queries)"), ("transactions", "\(r.dns.transactions)"),
                    ("unanswered", "\(r.dns.unanswered)"), ("latency", percentiles(r.dns.latency)),
                    ("wasted on the search path", "\(r.dns.searchPath.wastedQueries)"),
                ]),
                table(
                    "dns", ["time", "client", "server", "qtype", "rcode", "ms", "name"],
                    r.dns.transactionList.rows.map { t in
                        [
                            at(NSDecimalNumber(decimal: t.timestamp).doubleValue), t.clientPod ?? t.client, t.server, t.qtype,
                            t.rcode ?? "(none)", ms(t.latency), t.qname,
                        ]
                    }, omitted: r.dns.transactionList.omitted),
                .h2(.id("tcp-section"), "TCP"),
                summary([
                    ("connections", "\(r.tcp.connections)"), ("retransmissions", "\(r.tcp.retransmissions)"),
                    ("retransmission rate", String(format: "%.2f%%", r.tcp.retransmissionRate * 100)),
                    ("resets", "\(r.tcp.resets)"), ("initial RTT", percentiles(r.tcp.initialRtt)),
                ]),
                table(
                    "tcp", ["client", "server", "packets", "retx", "lost", "ooo", "dup ACK", "iRTT ms", "state"],
                    r.tcp.flows.rows.map { f in
                        [
                            f.clientPod ?? f.client, f.serverPod ?? f.server, "\(f.packets)", "\(f.retransmissions)",
                            "\(f.lostSegments)", "\(f.outOfOrder)", "\(f.duplicateAcks)", ms(f.initialRtt), f.connState,
                        ]
                    }, omitted: r.tcp.flows.omitted),
                .unwrap(HTMLStreamGraph.section(streamGraphs, start: start)) { $0 },
                .h2(.id("tls-section"), "TLS"),
                summary([
                    ("handshakes", "\(r.tls.handshakes)"), ("completed", "\(r.tls.completed)"),
                    ("failed", "\(r.tls.failures.total)"), ("handshake", percentiles(r.tls.handshakeLatency)),
                ]),
                table(
                    "tls", ["client", "server", "SNI", "version", "cipher", "handshake ms", "failure", "JA4"],
                    r.tls.sessions.rows.map { s in
                        [
                            s.clientPod ?? s.client, s.serverPod ?? s.server, s.sni ?? "", s.version ?? s.offeredVersion ?? "",
                            s.cipher ?? "", ms(s.handshakeLatency), s.failure ?? "", s.ja4 ?? "",
                        ]
                    }, omitted: r.tls.sessions.omitted),
                .unwrap(r.icmp.flatMap { icmp($0, start: start) }) { $0 },
                .unwrap(HTMLPath.section(r.sightings, r.path)) { $0 },
                .unwrap(api(r.apiServer, start: start)) { $0 },
                .unwrap(r.kernel) { kernel($0) },
                .script(.raw(HTMLStyle.sortScript))
            )
        )
        return html.render() + "\n"
    }

    static func ms(_ seconds: Double?) -> String { seconds.map { String(format: "%.3f", $0 * 1000) } ?? "" }

    static func percentiles(_ p: Percentiles) -> String {
        guard let p50 = p.p50, let p99 = p.p99, let max = p.max else { return "no samples" }
        return String(format: "p50 %.3f ms, p99 %.3f ms, max %.3f ms (%d)", p50 * 1000, p99 * 1000, max * 1000, p.count)
    }

    static func findings(_ list: [Finding]) -> Node<HTML.BodyContext> {
        guard !list.isEmpty else { return .p(.class("none"), "No findings.") }
        return .ul(
            .class("findings"),
            .forEach(Array(list.enumerated())) { n, f in
                .li(
                    .class("sev-" + f.severity.rawValue), .attribute(named: "data-id", value: f.id),
                    .strong(.text(f.severity.rawValue.uppercased())), .text(" " + f.title),
                    .unwrap(f.detail) { .div(.class("detail"), .text($0)) },
                    .unwrap(f.evidence) { evidence($0, number: n + 1) })
            })
    }

    /// A finding's evidence: a link to its rows, the display filter to copy, and the command
    /// that hands its flows' packets to Wireshark.
    static func evidence(_ e: Evidence, number: Int) -> Node<HTML.BodyContext> {
        .div(
            .class("evidence"),
            .text("evidence: "), .a(.href("#" + anchor(e.rows)), .text(e.rows)),
            .unwrap(e.displayFilter) { .group(.text(" · Wireshark: "), .code(.text($0))) },
            .if(!e.frames.isEmpty, .group(.text(" · frames "), .code(.text(e.frames.map(String.init).joined(separator: ", "))))),
            .if(
                e.flows.isEmpty,
                .unwrap(e.captureFilter) { _ in
                    .group(.text(" · "), .code(.text("loupe extract --finding \(number) -o finding-\(number).pcapng")))
                }),
            .if(
                !e.flows.isEmpty,
                .group(
                    .text(" · "), .code(.text("loupe extract --finding \(number) -o finding-\(number).pcapng")),
                    .text(" (\(e.flows.count) flow\(e.flows.count == 1 ? "" : "s"))"))))
    }

    /// The element a report key path is shown in on the page.
    static func anchor(_ rows: String) -> String {
        switch rows.split(separator: ".").first.map(String.init) ?? "" {
        case "dns": "dns-section"
        case "tcp": "tcp-section"
        case "tls": "tls-section"
        case "apiServer": "api-section"
        case "kernel": "kernel-section"
        case "sightings", "path": "path-section"
        case "attribution": "pods-section"
        default: "inputs"
        }
    }

    static func summary(_ items: [(String, String)]) -> Node<HTML.BodyContext> {
        .dl(.class("summary"), .forEach(items) { item in .group(.dt(.text(item.0)), .dd(.text(item.1))) })
    }

    static func table(_ id: String, _ headers: [String], _ rows: [[String]], omitted: Int) -> Node<HTML.BodyContext> {
        guard !rows.isEmpty else { return .p(.class("none"), "Nothing listed.") }
        return .group(
            .table(
                .class("sortable"), .id(id),
                .thead(.tr(.forEach(headers) { .th(.text($0)) })),
                .tbody(.forEach(rows) { row in .tr(.forEach(row) { .td(.text($0)) }) })),
            .if(omitted > 0, .p(.class("omitted"), .text("\(omitted) more rows in the JSON report (raise --rows)"))))
    }

    static func pods(_ r: Report) -> Node<HTML.BodyContext>? {
        guard !r.attribution.metadata.isEmpty else { return nil }
        let a = r.attribution
        return .group(
            .h2(.id("pods-section"), "Pods"),
            summary([
                ("flows named", String(format: "%.1f%%", a.resolvedFlowShare * 100)),
                ("packets named", String(format: "%.1f%%", a.resolvedPacketShare * 100)),
                ("unknown addresses", a.unknownTop.rows.prefix(5).map(\.address).joined(separator: ", ")),
            ]),
            table(
                "pods", ["pod", "workload", "DNS", "DNS p50 ms", "TCP", "retx", "TLS", "TLS failed"],
                r.pods.map { p in
                    [
                        p.namespace + "/" + (p.name ?? ""), p.workload ?? "", "\(p.dns.transactions)", ms(p.dns.latency.p50),
                        "\(p.tcp.connections)", "\(p.tcp.retransmissions)", "\(p.tls.handshakes)", "\(p.tls.failures.total)",
                    ]
                }, omitted: r.podsOmitted))
    }

    static func api(_ a: APIServerSection, start: Double?) -> Node<HTML.BodyContext>? {
        guard !a.endpoints.isEmpty else { return nil }
        return .group(
            .h2(.id("api-section"), "API server"),
            summary([
                ("endpoints", a.endpoints.joined(separator: ", ")), ("connections", "\(a.connections)"),
                ("exchanges", "\(a.exchanges)"), ("watches", "\(a.watches)"), ("latency", percentiles(a.latency)),
                ("requests without a response", "\(a.errors.noResponse)"), ("throttled (429)", "\(a.errors.throttled)"),
                ("5xx", "\(a.errors.serverErrors)"), ("decrypted connections", "\(a.decryption.connections)"),
            ]),
            table(
                "api-verbs", ["verb and resource", "requests", "p50 ms", "p99 ms", "statuses"],
                a.byVerb.rows.map { v in
                    [
                        v.key, "\(v.requests)", ms(v.latency.p50), ms(v.latency.p99),
                        v.byStatus.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", "),
                    ]
                }, omitted: a.byVerb.omitted),
            table(
                "api-clients", ["client", "connections", "exchanges", "errors", "p50 ms", "p99 ms"],
                a.byClient.map { c in
                    [
                        c.namespace.isEmpty ? c.name : c.namespace + "/" + c.name, "\(c.connections)", "\(c.exchanges)",
                        "\(c.errors)", ms(c.latency.p50), ms(c.latency.p99),
                    ]
                }, omitted: a.byClientOmitted),
            table(
                "api-slowest", ["time", "client", "server", "ms", "request"],
                a.slowest.rows.map { s in
                    [
                        HTMLBanner.clock(s.timestamp, start: start), s.clientPod ?? s.client, s.server, ms(s.latency),
                        [s.method, s.path, s.status.map(String.init)].compactMap { $0 }.joined(separator: " "),
                    ]
                }, omitted: a.slowest.omitted))
    }

    static func icmp(_ s: ICMPSection, start: Double?) -> Node<HTML.BodyContext>? {
        guard s.messages > 0 else { return nil }
        let rows = (s.fragmentationNeeded.rows + s.unreachable.rows).map { r in
            [
                HTMLBanner.clock(r.timestamp, start: start), r.from, r.flowClient, r.flowServer, "\(r.code)",
                r.mtu.map(String.init) ?? "",
            ]
        }
        return .group(
            .h2("ICMP"),
            summary([
                ("messages", "\(s.messages)"), ("fragmentation needed / too big", "\(s.fragmentationNeeded.total)"),
                ("unreachable", "\(s.unreachable.total)"),
                ("types", s.byType.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")),
            ]),
            table(
                "icmp-errors", ["time", "from", "flow client", "flow server", "code", "MTU"], rows,
                omitted: s.fragmentationNeeded.omitted + s.unreachable.omitted))
    }

    static func kernel(_ k: KernelSection) -> Node<HTML.BodyContext> {
        .group(
            .h2(.id("kernel-section"), "Kernel"),
            summary([
                ("tracepoints", k.attached.joined(separator: ", ")),
                ("not recorded", k.unavailable.isEmpty ? "nothing" : k.unavailable.joined(separator: "; ")),
                (
                    "retransmissions, kernel",
                    "\(k.retransmissions) (\(k.retransmissionsOnCapturedConnections) on captured connections)"
                ),
                (
                    "retransmissions, wire",
                    "\(k.wireRetransmissions) (\(k.wireRetransmissionsOnThoseConnections) + \(k.wireOutOfOrderOnThoseConnections) out-of-order on those connections)"
                ),
                ("drops", "\(k.drops) packets, \(k.dropBytes) bytes"), ("events lost", "\(k.lost)"),
            ]),
            table(
                "kernel-drops", ["reason", "drops", "bytes"],
                k.dropReasons.rows.map { [$0.reason, "\($0.drops)", "\($0.bytes)"] }, omitted: k.dropReasons.omitted),
            table(
                "kernel-retransmissions", ["sender", "receiver", "kernel", "wire retx", "wire ooo", "sRTT ms"],
                k.connections.rows.map {
                    [
                        $0.sender, $0.receiver, "\($0.kernel)", $0.wire.map(String.init) ?? "",
                        $0.wireOutOfOrder.map(String.init) ?? "", ms($0.smoothedRtt),
                    ]
                },
                omitted: k.connections.omitted))
    }
}
