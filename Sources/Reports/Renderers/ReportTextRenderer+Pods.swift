import Foundation

extension ReportTextRenderer {
    /// Attribution coverage, the pods (then workloads and namespaces) with their own side of
    /// DNS, TCP and TLS, and the API server's exchanges per client.
    static func pods(_ r: Report) -> String {
        let a = r.attribution
        guard !a.metadata.isEmpty || !r.apiServer.endpoints.isEmpty else { return "" }
        var out = ""
        if !a.metadata.isEmpty {
            out +=
                "Attribution: "
                + String(
                    format: "%.1f%% of packets, %.1f%% of flows", a.resolvedPacketShare * 100,
                    a.resolvedFlowShare * 100)
                + " named (\(a.resolvedFlows) of \(a.flows) flows)"
                + (a.ambiguousFlows > 0 ? ", \(a.ambiguousFlows) on node addresses hostNetwork pods share" : "") + "\n"
            for n in a.nodes.prefix(10) {
                out +=
                    "  " + pad("node", 20) + pad(TextEscaping.escape(n.name), 40)
                    + n.addresses.map(TextEscaping.escape).joined(separator: " ") + "\n"
            }
            for u in a.unknownTop.rows.prefix(10) {
                out += "  " + pad("unknown", 20) + pad(u.address, 40) + "\(u.packets) packets, \(u.flows) flows\n"
            }
            if !r.pods.isEmpty {
                out +=
                    "\n" + pad("pod", 37) + pad("workload", 21) + padLeft("dns", 5) + padLeft("dns p50", 8)
                    + padLeft("tcp", 5) + padLeft("retx", 5) + padLeft("tls", 4) + padLeft("fail", 5) + padLeft("tls p50", 8)
                    + "\n"
                for p in r.pods.prefix(20) {
                    out += row(p.namespace + "/" + (p.name ?? ""), p.workload ?? "-", p)
                }
                if r.pods.count + r.podsOmitted > 20 {
                    out += "... \(r.pods.count + r.podsOmitted - 20) more pods (JSON lists up to --rows)\n"
                }
                for w in r.workloads.prefix(10) where r.workloads.count < r.pods.count {
                    out += row(w.namespace + "/" + (w.workload ?? ""), "\(w.pods) pods", w)
                }
                for n in r.namespaces.prefix(10) where r.namespaces.count > 1 { out += row(n.namespace, "\(n.pods) pods", n) }
            }
        }
        let api = r.apiServer
        if !api.endpoints.isEmpty {
            out +=
                "\nAPI server (" + api.endpoints.joined(separator: ", ") + "): \(api.connections) connections, "
                + "\(api.exchanges) exchanges, \(api.watches) watch streams\n"
            let lines: [(String, String)] =
                [
                    ("latency", percentiles(api.latency)),
                    ("TCP handshake", percentiles(api.tcpHandshakeRtt)),
                    ("TLS handshake", percentiles(api.tlsHandshakeLatency)),
                    (
                        "errors",
                        "\(api.errors.resets) resets, \(api.errors.alerts) fatal alerts, "
                            + "\(api.errors.noResponse) requests without a response, \(api.errors.handshakeFailures) failed handshakes"
                            + (api.requests.total > 0
                                ? ", \(api.errors.throttled) throttled (429), \(api.errors.serverErrors) 5xx" : "")
                    ),
                ]
                + (api.decryption.connections + api.decryption.notDecrypted > 0
                    ? [
                        (
                            "decrypted",
                            "\(api.decryption.connections) connections, \(api.decryption.notDecrypted) not decryptable, "
                                + "\(api.decryption.failedRecords) records failed authentication"
                        )
                    ] : [])
            for (k, v) in lines { out += "  " + pad(k, 20) + v + "\n" }
            for c in api.byClient.prefix(20) {
                let who = c.namespace.isEmpty ? c.name : c.namespace + "/" + c.name
                out +=
                    "  " + pad(who, 46) + "\(c.connections) conns, \(c.exchanges) exchanges, \(c.errors) errors, "
                    + percentiles(c.latency) + "\n"
            }
            for v in api.byVerb.rows.prefix(20) {
                let statuses = v.byStatus.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
                out +=
                    "  " + pad(TextEscaping.escape(v.key), 30) + "\(v.requests) requests, " + percentiles(v.latency)
                    + (statuses.isEmpty ? "" : "; " + statuses) + "\n"
            }
            for s in api.slowest.rows.prefix(10) {
                let request =
                    s.method.map {
                        " " + TextEscaping.escape($0 + " " + (s.path ?? "")) + " " + (s.status.map(String.init) ?? "")
                    } ?? ""
                out +=
                    "  " + pad("slow", 8) + String(format: "%.3f ms", s.latency * 1000) + " at "
                    + String(format: "%.6f", s.timestamp) + " " + (s.clientPod ?? s.client) + " -> " + s.server + request + "\n"
            }
            for u in api.unmatched.rows.prefix(10) {
                out +=
                    "  " + pad("unmatched", 12) + (u.clientPod ?? u.client) + " -> " + u.server + " at "
                    + String(format: "%.6f", u.timestamp) + ": " + u.reason + "\n"
            }
        }
        return out
    }

    private static func row(_ name: String, _ workload: String, _ p: PodRow) -> String {
        func ms(_ v: Double?) -> String { v.map { String(format: "%.3f", $0 * 1000) } ?? "-" }
        return pad(TextEscaping.escape(name), 37) + pad(TextEscaping.escape(workload), 21)
            + padLeft("\(p.dns.transactions)", 5) + padLeft(ms(p.dns.latency.p50), 8) + padLeft("\(p.tcp.connections)", 5)
            + padLeft("\(p.tcp.retransmissions)", 5) + padLeft("\(p.tls.handshakes)", 4)
            + padLeft("\(p.tls.failures.total)", 5) + padLeft(ms(p.tls.handshakeLatency.p50), 8) + "\n"
    }
}
