/// Every finding Loupe can raise (Wireshark's expert-info table, Zeek's notice types): its
/// id, severity, the rule and thresholds with where they come from, and what to do.
/// `docs/findings.md` is written from this list (`FindingCatalogTests` fails when the file,
/// this list or the ids `FindingsBuilder` raises differ).
///
/// Severity by impact on the workload: critical = requests or connections failed or were
/// lost at scale; warning = degraded service a user would notice; info = worth knowing.
/// Capture-quality findings (section "capture") say how far the report can be trusted, not
/// how the workload fared; they are listed first and apart.
public enum FindingCatalog {
    public struct Entry: Sendable {
        public var id: String
        public var severity: String
        public var rule: String
        public var origin: String
        public var action: String
    }

    public static let entries: [Entry] = [
        Entry(
            id: "capture.damaged", severity: "critical",
            rule: "an input file is damaged (framing broken, cut short); exit status 3",
            origin: "any damage: the counts after it are missing",
            action: "re-copy the capture; the report covers the packets before the damage"),
        Entry(
            id: "capture.drops", severity: "critical",
            rule: "the pcapng interface statistics say the capture dropped packets",
            origin: "any drop: retransmissions and losses may be the recorder's",
            action: "raise the capture buffer (--buffer-size) or narrow the filter"),
        Entry(
            id: "capture.snaplen", severity: "warning",
            rule: "packets were cut by the snap length",
            origin: "any cut packet: payloads past the cut are not analysed",
            action: "capture with a larger --snaplen"),
        Entry(
            id: "capture.midStream", severity: "info",
            rule: "at least 10 TCP connections and more than 20% of them without a handshake seen",
            origin: "Loupe's threshold: RTT and state of those connections are partial",
            action: "start the capture before the traffic of interest"),
        Entry(
            id: "capture.oneSided", severity: "info",
            rule: "at least 10 TCP connections and more than 20% seen in one direction only",
            origin: "Loupe's threshold: asymmetric routing or a capture point on one side of a NAT",
            action: "capture where both directions pass (the pod's veth, or -i any)"),
        Entry(
            id: "capture.malformed", severity: "warning",
            rule: "more than 0.1% of packets are malformed",
            origin: "Wireshark's [Malformed Packet]; a healthy capture has none",
            action: "see the first malformed frames named in warnings"),
        Entry(
            id: "capture.duplicates", severity: "info",
            rule: "packets recorded twice at one observation point: the same bytes (endpoints, TTL) within 50 µs",
            origin: "issue 25 (a resend comes a round trip later at the earliest); docs/sightings.md. Counted once",
            action:
                "check the capture setup (a port mirrored twice, overlapping filters); record -i any as Linux cooked v2 or pcapng so interfaces are told apart"
        ),
        Entry(
            id: "path.loss", severity: "warning",
            rule:
                "at least 2 packets reached an observation point and never the next one their flow's packets go to, which was capturing then without drops; critical from 5% of the hop's packets",
            origin: "issue 25; docs/sightings.md \"The path\" (a packet lost between two points, not at the capture)",
            action:
                "look at what lies between the two points (the node's netfilter rules, the bridge, the link); the kernel's drop reasons are on each path.losses row when the bundle has them"
        ),
        Entry(
            id: "path.delay", severity: "warning",
            rule: "a hop's median delay (at least 10 packets) exceeds 10 ms beyond the clocks' alignment error",
            origin: "Loupe's threshold: forwarding in a node takes microseconds, a data-centre link well under 1 ms",
            action: "look for a queue or a shaper between the two points (qdisc, a proxy, a congested link)"),
        Entry(
            id: "capture.evicted", severity: "warning",
            rule: "flows were evicted at the live-flow cap",
            origin: "docs/bounds.md: per-flow counts are incomplete",
            action: "raise --max-flows"),
        Entry(
            id: "capture.attribution", severity: "warning",
            rule: "with pod metadata, less than 90% of unicast flows resolved to a pod, Service or node",
            origin: "Loupe's threshold; link-local, multicast, broadcast and loopback flows are left out",
            action: "give the metadata of the capture's time (--pods), or the node's addresses"),
        Entry(
            id: "capture.kernelLost", severity: "warning",
            rule: "the agent's kernel-event ring lost events",
            origin: "any loss: kernel counts are short",
            action: "raise the agent's ring buffer"),
        Entry(
            id: "capture.kernelUnavailable", severity: "info",
            rule: "fewer than 3 kernel tracepoints attached",
            origin: "the kernel lacks them, or the agent had no privilege",
            action: "run the agent privileged on a kernel with BTF"),
        Entry(
            id: "kernel.drops", severity: "warning",
            rule: "at least 5 kernel drops for telling reasons (OTHERHOST, NO_SOCKET, QUEUE_PURGE, NOT_SPECIFIED left out)",
            origin: "kfree_skb drop reasons",
            action: "the reasons name the layer: netfilter, routing, a full queue"),
        Entry(
            id: "kernel.wireMismatch", severity: "warning",
            rule:
                "the kernel's events are complete and the capture shows at least 5 retransmissions, more than twice the kernel's",
            origin: "issue 25: the kernel resent nothing, the wire shows resends",
            action:
                "check for copies the capture cannot tell apart (record -i any as Linux cooked v2 or pcapng) and for resends by hosts outside this node"
        ),
        Entry(
            id: "kernel.retransmissionsNotOnWire", severity: "warning",
            rule: "more than max(2, 10%) of the kernel's retransmissions on captured connections are not in the capture",
            origin: "Loupe's threshold",
            action: "the capture point misses packets of those connections: capture on the pod's interface"),
        Entry(
            id: "dns.latency", severity: "warning; critical past 1 s",
            rule: "at least 10 answered lookups and p99 over 100 ms",
            origin: "CoreDNS answers cluster names in under a millisecond; 100 ms is a user-visible stall",
            action: "look at the slowest server named in the detail (upstream forwarders, CoreDNS load)"),
        Entry(
            id: "dns.unanswered", severity: "warning; critical past 10%",
            rule: "at least 10 transactions and more than 1% unanswered",
            origin: "a lookup without an answer makes the client wait its timeout (5 s in glibc)",
            action: "check CoreDNS, conntrack races on UDP (the 5 s delay), and the path to the server"),
        Entry(
            id: "dns.servfail", severity: "warning",
            rule: "any SERVFAIL answer",
            origin: "RFC 1035: the server failed",
            action: "the name with the most SERVFAILs is named: check its upstream"),
        Entry(
            id: "dns.searchPath", severity: "warning",
            rule: "at least 10 queries and more than 10% of them wasted on search-path expansions",
            origin: "ndots:5 in pods' resolv.conf",
            action: "the advice names the name: a trailing dot, or a lower ndots in the pod's dnsConfig"),
        Entry(
            id: "tcp.retransmissions", severity: "warning; critical past 5%",
            rule: "at least 5 retransmissions and more than 1% of data packets retransmitted",
            origin: "tshark's tcp.analysis.retransmission; 1% degrades throughput measurably",
            action: "the worst connection is named; look for loss on its path (kernel drops, NIC)"),
        Entry(
            id: "tcp.zeroWindows", severity: "info",
            rule: "any zero-window advertisement",
            origin: "tshark's tcp.analysis.zero_window",
            action: "a receiver could not keep up: its application reads too slowly"),
        Entry(
            id: "tcp.resets", severity: "warning",
            rule: "at least 10 connections and more than 10% refused or aborted (tcp.resetsByKind)",
            origin: "resets after a FIN, on idle or half-open connections are how connections end, not failures",
            action: "refused: nothing listens (a Service without endpoints); aborted: the side named reset mid-transfer"),
        Entry(
            id: "tls.failures", severity: "warning; critical past 10% of handshakes",
            rule:
                "any failed handshake (alert, version mismatch, no common parameters, reset after ClientHello, no ServerHello, closed during handshake)",
            origin: "RFC 8446 alerts",
            action: "the first failure is named with client and server"),
        Entry(
            id: "tls.certificateExpired", severity: "critical",
            rule: "a server certificate had expired when used",
            origin: "RFC 5280 validity",
            action: "renew it (cert-manager, kubeadm certs renew)"),
        Entry(
            id: "tls.certificateExpiring", severity: "warning",
            rule: "a server certificate expires within 30 days of the capture",
            origin: "Loupe's threshold (cert-manager renews at two thirds of the lifetime)",
            action: "renew it before it expires"),
        Entry(
            id: "tls.latency", severity: "warning",
            rule: "at least 10 handshakes and p99 over 500 ms",
            origin: "Loupe's threshold",
            action: "slow servers or a congested path: compare with the TCP handshake RTT"),
        Entry(
            id: "apiServer.latency", severity: "warning; critical past 5 s",
            rule: "at least 5 exchanges and p99 over 1 s",
            origin: "the API server's own SLO (1 s for single-object calls, 30 s for lists)",
            action: "the slowest client is named: look at its verbs (lists, watches) and the server's load"),
        Entry(
            id: "apiServer.errors", severity: "warning",
            rule:
                "any reset that refused or aborted a connection or cut a request or handshake, fatal alert, request without a response before the connection closed, or failed handshake",
            origin:
                "requests still open when the capture ended and connections that began before it are counted in notSeen, not here",
            action: "the first unanswered request is named with its client"),
        Entry(
            id: "apiServer.throttled", severity: "warning",
            rule: "any request answered 429 (read in full: decrypted or plain HTTP)",
            origin: "API Priority and Fairness rejects what a priority level cannot queue",
            action: "the first throttled client and verb are named: spread its lists and watches, or give it a flow schema"),
        Entry(
            id: "apiServer.serverErrors", severity: "warning",
            rule: "any request answered 5xx (read in full: decrypted or plain HTTP)",
            origin: "the server failed the request (etcd, an aggregated API, a webhook)",
            action: "the first is named with its path: look at the API server's log at that time"),
        Entry(
            id: "apiServer.slowLists", severity: "warning",
            rule:
                "any list read in full slower than the API server's SLO for its scope: 5 s within a namespace, 30 s cluster-wide",
            origin: "Kubernetes' API call latency SLOs (list calls)",
            action:
                "the slowest is named with its client: paginate it (limit and continue) or read from the watch cache (resourceVersion=0)"
        ),
        Entry(
            id: "apiServer.watchChurn", severity: "warning",
            rule:
                "3 or more forced relists: watches read in full that ended by an ERROR event with code 410, and lists answered 410",
            origin: "a resourceVersion or continue token older than etcd's compaction: each client lists everything again",
            action:
                "the requests list names the clients; look at the watch cache size and the compaction interval, and use watch bookmarks"
        ),
        Entry(
            id: "apiServer.errorBurst", severity: "warning",
            rule:
                "5 or more API-server errors (resets, fatal alerts, failed handshakes, requests without a response, 5xx) within 10 s",
            origin: "Loupe's threshold: errors spread over a capture are noise, clustered they are an outage",
            action: "the window's start is given: look at the API server, etcd and admission webhooks then"),
    ]
}

extension FindingCatalog {
    /// `docs/findings.md`.
    public static var markdown: String {
        var lines = [
            "# Findings",
            "",
            "Every finding `loupe report` can raise, written from `FindingCatalog` (`FindingCatalogTests` fails when",
            "this file, the catalogue or the ids the code raises differ; `LOUPE_WRITE_FINDINGS=1 swift test --filter",
            "FindingCatalogTests` writes it).",
            "",
            "Severity by impact on the workload: **critical**, requests or connections failed or were lost at scale;",
            "**warning**, degraded service a user would notice; **info**, worth knowing. Capture-quality findings",
            "(`capture.*`) say how far the report can be trusted, not how the workload fared, and come first.",
            "Each finding has a fixture on which it fires and healthy ones on which it must not (`FindingsBothWaysTests`).",
            "",
        ]
        for (title, capture) in [("Capture quality", true), ("The workload", false)] {
            lines += ["## \(title)", ""]
            for e in entries where e.id.hasPrefix("capture.") == capture {
                lines += [
                    "### `\(e.id)` (\(e.severity))", "", "- rule: \(e.rule)", "- why this threshold: \(e.origin)",
                    "- what to do: \(e.action)", "",
                ]
            }
        }
        return lines.joined(separator: "\n")
    }
}
