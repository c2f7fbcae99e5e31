import Foundation

/// Derives the findings from the finished report model (never from packets): thresholds an
/// on-call engineer would flag, each finding naming its numbers and where to look.
public enum FindingsBuilder {
    static let sectionOrder = ["capture", "path", "dns", "tcp", "tls", "pods", "apiServer", "kernel"]

    public static func findings(_ r: Report) -> [Finding] {
        var out =
            capture(r) + (r.path.map(path) ?? []) + dns(r.dns) + tcp(r.tcp) + tls(r.tls) + apiServer(r.apiServer)
            + (r.kernel.map(kernel) ?? [])
        // Capture quality first, then worst first; ties in section order, then by id.
        out.sort { a, b in
            let ca = a.section == "capture", cb = b.section == "capture"
            if ca != cb { return ca }
            if a.severity != b.severity { return a.severity < b.severity }
            let sa = sectionOrder.firstIndex(of: a.section) ?? 99, sb = sectionOrder.firstIndex(of: b.section) ?? 99
            return sa != sb ? sa < sb : a.id < b.id
        }
        for i in out.indices { out[i].evidence = FindingEvidence.of(out[i], in: r) }
        return out
    }

    static func percent(_ x: Double) -> String { String(format: "%.1f%%", x * 100) }
    static func ms(_ seconds: Double) -> String { String(format: "%.0f ms", seconds * 1000) }

    static func capture(_ r: Report) -> [Finding] {
        var out: [Finding] = []
        for i in r.inputs {
            if let d = i.damage {
                out.append(
                    Finding(
                        id: "capture.damaged", severity: .critical, section: "capture",
                        title: "\(i.path) is damaged at byte \(d.offset): \(d.message); packets after it are missing",
                        detail: "counts cover the \(i.packets) packets read before the damage"))
            }
            if let drops = i.captureDrops, drops > 0 {
                out.append(
                    Finding(
                        id: "capture.drops", severity: .critical, section: "capture",
                        title:
                            "the capture dropped \(drops) packets (\(i.path)): retransmissions and losses here may be the recorder's",
                        detail: "interface statistics in the pcapng file"))
            }
            if i.snaplenCutPackets > 0 {
                out.append(
                    Finding(
                        id: "capture.snaplen", severity: .warning, section: "capture",
                        title:
                            "\(i.snaplenCutPackets) packets were cut by the snap length (\(i.path)): payloads past it are not analysed"
                    ))
            }
        }
        if let s = r.sightings, s.captureDuplicates > 0 {
            out.append(
                Finding(
                    id: "capture.duplicates", severity: .info, section: "capture",
                    title:
                        "\(s.captureDuplicates) packets were recorded twice at the same point (capture duplicates): each is counted once",
                    detail: "the same bytes within 50 µs at one interface; sightings.captureDuplicates"))
        }
        let t = r.tcp
        if t.connections >= 10, t.midStreamConnections * 5 > t.connections {
            out.append(
                Finding(
                    id: "capture.midStream", severity: .info, section: "capture",
                    title:
                        "\(t.midStreamConnections) of \(t.connections) TCP connections began before the capture (no handshake seen): their RTT and state are partial"
                ))
        }
        if t.connections >= 10, t.oneSidedConnections * 5 > t.connections {
            out.append(
                Finding(
                    id: "capture.oneSided", severity: .info, section: "capture",
                    title:
                        "\(t.oneSidedConnections) of \(t.connections) TCP connections were seen in one direction only: the capture point misses the return path"
                ))
        }
        if r.packets > 0, r.malformedPackets * 1000 > r.packets {
            out.append(
                Finding(
                    id: "capture.malformed", severity: .warning, section: "capture",
                    title:
                        "\(r.malformedPackets) malformed packets (\(percent(Double(r.malformedPackets) / Double(r.packets))) of the capture)",
                    detail: r.warnings.first { $0.contains("malformed") }))
        }
        if r.flowTable.evicted > 0 {
            out.append(
                Finding(
                    id: "capture.evicted", severity: .warning, section: "capture",
                    title: "\(r.flowTable.evicted) flows were evicted at the live-flow cap: per-flow counts are incomplete",
                    detail: "raise --max-flows"))
        }
        let a = r.attribution
        // Over unicast flows only: link-local, multicast, broadcast and loopback traffic is
        // nobody's (counted apart in attribution.notPodTraffic).
        if !a.metadata.isEmpty, a.unicastFlows > 0, a.resolvedUnicastFlowShare < 0.9 {
            let top = a.unknownTop.rows.prefix(3).map(\.address).joined(separator: ", ")
            let apart = a.notPodTraffic.values.reduce(0, +)
            out.append(
                Finding(
                    id: "capture.attribution", severity: .warning, section: "capture",
                    title: "only \(percent(a.resolvedUnicastFlowShare)) of unicast flows could be put on a pod, Service or node",
                    detail: (top.isEmpty ? "" : "unknown addresses: " + top + "; ")
                        + "\(apart) link-local, multicast, broadcast or loopback flows left out"))
        }
        return out
    }

    /// Drops that say nothing about the pods: OTHERHOST is what a promiscuous capture makes the
    /// capturing interface's IP layer drop; NO_SOCKET is a packet to a closed port (its RST is
    /// in the TCP section); QUEUE_PURGE is a closing socket's queue freed; NOT_SPECIFIED is the
    /// kernel not saying.
    public static let unremarkableDrops: Set<String> = ["OTHERHOST", "NO_SOCKET", "QUEUE_PURGE", "NOT_SPECIFIED"]

    static func kernel(_ k: KernelSection) -> [Finding] {
        var out: [Finding] = []
        if k.lost > 0 {
            out.append(
                Finding(
                    id: "capture.kernelLost", severity: .warning, section: "capture",
                    title: "the kernel lost \(k.lost) events (the agent's ring buffer was full): kernel counts are short"))
        }
        if !k.unavailable.isEmpty && k.attached.count < 3 {
            out.append(
                Finding(
                    id: "capture.kernelUnavailable", severity: .info, section: "capture",
                    title: "not every kernel event was recorded", detail: k.unavailable.joined(separator: "; ")))
        }
        let telling = k.dropReasons.rows.filter { !unremarkableDrops.contains($0.reason) }
        let dropped = telling.reduce(0) { $0 + $1.drops }
        if dropped >= 5 {
            out.append(
                Finding(
                    id: "kernel.drops", severity: .warning, section: "kernel",
                    title: "the kernel dropped \(dropped) packets: "
                        + telling.prefix(3).map { "\($0.reason) \($0.drops)" }.joined(separator: ", "),
                    detail: "drop reasons from kfree_skb; OTHERHOST, NO_SOCKET, QUEUE_PURGE and NOT_SPECIFIED left out"))
        }
        // Retransmissions the kernel made on connections the capture shows but the capture does
        // not: the capture point misses packets (another path, or the capture's own drops).
        let wire = k.wireRetransmissionsOnThoseConnections + k.wireOutOfOrderOnThoseConnections
        let missing = k.retransmissionsOnCapturedConnections - wire
        if missing > max(2, k.retransmissionsOnCapturedConnections / 10) {
            out.append(
                Finding(
                    id: "kernel.retransmissionsNotOnWire", severity: .warning, section: "kernel",
                    title:
                        "\(missing) of the kernel's \(k.retransmissionsOnCapturedConnections) retransmissions on captured connections are not in the capture",
                    detail: "the capture point misses packets of those connections"))
        }
        // The wire shows resends the kernel did not make: copies of packets the sightings
        // stage could not tell apart (Linux cooked v1 has no interface), or resends by hosts
        // outside this node (the kernel sees only its own sockets).
        if k.complete, k.lost == 0, k.wireRetransmissions >= 5, k.wireRetransmissions > 2 * k.retransmissions {
            out.append(
                Finding(
                    id: "kernel.wireMismatch", severity: .warning, section: "kernel",
                    title: "the capture shows \(k.wireRetransmissions) retransmissions, the kernel made \(k.retransmissions)",
                    detail: "resends by other hosts, or copies of packets at points the capture cannot tell apart"))
        }
        return out
    }

    static func dns(_ d: DNSSection) -> [Finding] {
        var out: [Finding] = []
        if let p99 = d.latency.p99, d.latency.count >= 10, p99 > 0.1 {
            let slow = d.byServer.rows.filter { ($0.latency.p99 ?? 0) > 0.1 }.max {
                ($0.latency.p99 ?? 0) < ($1.latency.p99 ?? 0)
            }
            out.append(
                Finding(
                    id: "dns.latency", severity: p99 > 1 ? .critical : .warning, section: "dns",
                    title: "DNS p99 \(ms(p99)) over \(d.latency.count) lookups",
                    detail: slow.map { "slowest server \($0.key): p99 \(ms($0.latency.p99 ?? 0))" }))
        }
        if d.transactions >= 10, d.unanswered * 100 > d.transactions {
            let share = Double(d.unanswered) / Double(d.transactions)
            out.append(
                Finding(
                    id: "dns.unanswered", severity: share > 0.1 ? .critical : .warning, section: "dns",
                    title: "\(d.unanswered) of \(d.transactions) DNS queries got no answer (\(percent(share)))"))
        }
        if let top = d.topSERVFAIL.rows.first {
            out.append(
                Finding(
                    id: "dns.servfail", severity: .warning, section: "dns",
                    title: "\(d.rcodes["SERVFAIL"] ?? top.count) SERVFAIL answers", detail: "most for \(top.name) (\(top.count))")
            )
        }
        let sp = d.searchPath
        if d.queries >= 10, sp.wastedQueries * 10 > d.queries {
            out.append(
                Finding(
                    id: "dns.searchPath", severity: .warning, section: "dns",
                    title:
                        "\(sp.wastedQueries) of \(d.queries) DNS queries (\(percent(Double(sp.wastedQueries) / Double(d.queries)))) were wasted on search-path expansion",
                    detail: sp.advice))
        }
        return out
    }

    static func tcp(_ t: TCPSection) -> [Finding] {
        var out: [Finding] = []
        if t.retransmissions >= 5, t.retransmissionRate > 0.01 {
            let worst = t.flows.rows.first { $0.retransmissions > 0 }
            out.append(
                Finding(
                    id: "tcp.retransmissions", severity: t.retransmissionRate > 0.05 ? .critical : .warning,
                    section: "tcp",
                    title: "\(percent(t.retransmissionRate)) of TCP data packets were retransmitted (\(t.retransmissions))",
                    detail: worst.map { w in
                        "worst: \(w.clientPod ?? w.client) -> \(w.serverPod ?? w.server), \(w.retransmissions) retransmissions (\(percent(w.retransmissionRate)))"
                    }))
        }
        if t.zeroWindows > 0 {
            out.append(
                Finding(
                    id: "tcp.zeroWindows", severity: .info, section: "tcp",
                    title: "\(t.zeroWindows) zero-window advertisements: a receiver could not keep up"))
        }
        // Only refused and aborted connections failed: a RST after a FIN, on an idle
        // connection or from a side that forgot it is how connections end (TCPSection.resetsByKind).
        let k = t.resetsByKind
        let refused = k["refused"] ?? 0, aborted = (k["abortedByClient"] ?? 0) + (k["abortedByServer"] ?? 0)
        if t.connections >= 10, (refused + aborted) * 10 > t.connections {
            out.append(
                Finding(
                    id: "tcp.resets", severity: .warning, section: "tcp",
                    title: "\(refused + aborted) of \(t.connections) TCP connections were refused or aborted "
                        + "(\(refused) refused, \(k["abortedByClient"] ?? 0) aborted by the client, "
                        + "\(k["abortedByServer"] ?? 0) by the server)",
                    detail:
                        "\(t.resets) packets with RST in all; resets after a FIN, on idle or half-open connections are not failures"
                ))
        }
        return out
    }

    static func tls(_ t: TLSSection) -> [Finding] {
        var out: [Finding] = []
        let f = t.failures
        if f.total > 0 {
            let kinds = [
                ("version mismatch", f.versionMismatch), ("no common parameters", f.noCommonParameters),
                ("alert", f.alert), ("reset after ClientHello", f.resetAfterClientHello),
                ("no ServerHello", f.noServerHello), ("closed during handshake", f.closedDuringHandshake),
            ]
            .filter { $0.1 > 0 }.map { "\($0.0) \($0.1)" }.joined(separator: ", ")
            let first = t.sessions.rows.first { $0.failure != nil }
            out.append(
                Finding(
                    id: "tls.failures", severity: f.total * 10 > t.handshakes ? .critical : .warning, section: "tls",
                    title: "\(f.total) of \(t.handshakes) TLS handshakes failed (\(kinds))",
                    detail: first.map { "first: \($0.clientPod ?? $0.client) -> \($0.sni ?? $0.server) (\($0.failure ?? ""))" }))
        }
        let certificates = t.sessions.rows.compactMap { s in s.certificate.map { (s, $0) } }
        if let (s, c) = certificates.first(where: { $0.1.expired }) {
            out.append(
                Finding(
                    id: "tls.certificateExpired", severity: .critical, section: "tls",
                    title: "\(certificates.filter { $0.1.expired }.count) server certificates had expired when used",
                    detail: "\(s.server) (\(s.sni ?? "no SNI")): \(c.subject)"))
        }
        if let (s, c) = certificates.first(where: { $0.1.expiresWithin30Days }) {
            out.append(
                Finding(
                    id: "tls.certificateExpiring", severity: .warning, section: "tls",
                    title: "\(certificates.filter { $0.1.expiresWithin30Days }.count) server certificates expire within 30 days",
                    detail: "\(s.server) (\(s.sni ?? "no SNI")): \(c.subject)"))
        }
        if let p99 = t.handshakeLatency.p99, t.handshakeLatency.count >= 10, p99 > 0.5 {
            out.append(
                Finding(
                    id: "tls.latency", severity: .warning, section: "tls",
                    title: "TLS handshake p99 \(ms(p99)) over \(t.handshakeLatency.count) handshakes"))
        }
        return out
    }

    static func apiServer(_ a: APIServerSection) -> [Finding] {
        var out: [Finding] = []
        if let p99 = a.latency.p99, a.exchanges >= 5, p99 > 1 {
            let slow = a.slowest.rows.first
            out.append(
                Finding(
                    id: "apiServer.latency", severity: p99 > 5 ? .critical : .warning, section: "apiServer",
                    title: "API server p99 \(ms(p99)) over \(a.exchanges) requests",
                    detail: slow.map { "slowest: \($0.clientPod ?? $0.client), \(ms($0.latency))" }))
        }
        let e = a.errors
        let errors = e.resets + e.alerts + e.noResponse + e.handshakeFailures
        if errors > 0 {
            out.append(
                Finding(
                    id: "apiServer.errors", severity: .warning, section: "apiServer",
                    title:
                        "\(errors) API-server errors: \(e.resets) resets, \(e.alerts) fatal alerts, \(e.noResponse) requests without a response, \(e.handshakeFailures) failed handshakes",
                    detail: a.unmatched.rows.first.map { "first unanswered: \($0.clientPod ?? $0.client): \($0.reason)" }))
        }
        if e.throttled > 0 {
            let first = a.requests.rows.first { $0.status == 429 }
            out.append(
                Finding(
                    id: "apiServer.throttled", severity: .warning, section: "apiServer",
                    title: "\(e.throttled) API requests throttled (429)",
                    detail: first.map {
                        "first: \($0.clientPod ?? $0.client) \($0.verb) \($0.resource ?? $0.path)"
                            + ($0.retryAfter.map { ", Retry-After \($0)" } ?? "")
                    }))
        }
        if e.serverErrors > 0 {
            let first = a.requests.rows.first { ($0.status ?? 0) >= 500 }
            out.append(
                Finding(
                    id: "apiServer.serverErrors", severity: .warning, section: "apiServer",
                    title: "\(e.serverErrors) API requests answered 5xx",
                    detail: first.map { "first: \($0.clientPod ?? $0.client) \($0.method) \($0.path): \($0.status ?? 0)" }))
        }
        return out + apiChurn(a)
    }

    /// Slow lists, forced relists and a burst of errors (`docs/findings.md`).
    static func apiChurn(_ a: APIServerSection) -> [Finding] {
        var out: [Finding] = []
        if a.slowLists.total > 0 {
            out.append(
                Finding(
                    id: "apiServer.slowLists", severity: .warning, section: "apiServer",
                    title: "\(a.slowLists.total) list requests slower than their SLO (5 s in a namespace, 30 s cluster-wide)",
                    detail: a.slowLists.rows.first.map {
                        "slowest: \($0.clientPod ?? $0.client) list \($0.resource ?? $0.path)"
                            + ($0.namespace.map { " in \($0)" } ?? "") + ", \(ms($0.latency ?? 0))"
                    }))
        }
        let relists = a.watchEnds.expired + a.expiredLists
        if relists >= 3 {
            out.append(
                Finding(
                    id: "apiServer.watchChurn", severity: .warning, section: "apiServer",
                    title: "\(relists) forced relists: \(a.watchEnds.expired) watches ended by ERROR 410, "
                        + "\(a.expiredLists) lists answered 410"))
        }
        if a.errorBurst.errors >= 5, let start = a.errorBurst.start {
            out.append(
                Finding(
                    id: "apiServer.errorBurst", severity: .warning, section: "apiServer",
                    title: "\(a.errorBurst.errors) API-server errors within 10 s",
                    detail: "from \(UTCText.iso(start))"))
        }
        return out
    }
}
