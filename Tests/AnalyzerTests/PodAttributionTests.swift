@testable import Analyzer
import CaptureFormats
import Dissectors
import Foundation
import Reports
import Testing
import _TestSupport

/// The recorded pods fixture (fixtures/gen/record-pods.sh): pods as namespaces on a bridge,
/// their metadata as kubectl prints it, and the API server stand-in's own timing log.
struct PodAttributionTests {
    static let capture = Fixtures.path("pcaps/pods/apiserver.pcapng")
    static let metadata = Fixtures.path("pods/apiserver.kubectl.json")

    struct LogLine: Decodable {
        var client: String
        var path: String
        var received: Double
        var responded: Double
    }

    static func log() throws -> [LogLine] {
        let text = try String(contentsOfFile: Fixtures.path("pods/apiserver.log"), encoding: .utf8)
        return try text.split(separator: "\n").map { try JSONDecoder().decode(LogLine.self, from: Data($0.utf8)) }
    }

    static func outcome() throws -> ReportOutcome {
        var options = ReportOptions()
        options.metadataPaths = [metadata]
        options.traceExchanges = true
        return try ReportRun.run(paths: [capture], options: options)
    }

    static let podsByIP = [
        "10.244.0.10": "kube-system/coredns-5d78c9869d-q7w2x", "10.244.0.2": "kube-system/kube-apiserver-node1",
        "10.244.0.11": "shop/checkout-7d9f8b6c5-x2x9k", "10.244.0.12": "shop/cart-5f6d7c8b9-k8k2m",
        "10.244.0.13": "monitoring/node-agent-7xk2p",
    ]

    static func host(_ endpoint: String) -> String { String(endpoint[..<endpoint.lastIndex(of: ":")!]) }

    @Test func everyFlowIsAttributedToItsPod() throws {
        let r = try Self.outcome().report
        #expect(r.attribution.flows > 10 && r.attribution.resolvedFlows == r.attribution.flows)
        #expect(r.attribution.resolvedPacketShare == 1 && r.attribution.unknownTop.total == 0)
        for row in r.tcp.flows.rows {
            #expect(row.clientPod == Self.podsByIP[Self.host(row.client)], "\(row.client)")
            #expect(row.serverPod == Self.podsByIP[Self.host(row.server)], "\(row.server)")
        }
        for row in r.tls.sessions.rows {
            #expect(row.clientPod == Self.podsByIP[Self.host(row.client)] && row.serverPod == "kube-system/kube-apiserver-node1")
        }
        for row in r.dns.transactionList.rows {
            #expect(
                row.clientPod == Self.podsByIP[Self.host(row.client)] && row.serverPod == "kube-system/coredns-5d78c9869d-q7w2x")
        }
        #expect(r.tcp.flows.rows.count == 4 && r.dns.transactionList.rows.count == 12)
    }

    @Test func exchangesEqualTheServersLog() throws {
        let outcome = try Self.outcome()
        let api = outcome.report.apiServer
        let log = try Self.log()
        #expect(log.count == 14)
        #expect(api.endpoints.contains("10.244.0.2:6443") && api.connections == 4 && api.exchanges == log.count)
        for client in api.byClient {
            let ip = Self.podsByIP.first { $0.value == client.namespace + "/" + client.name }?.key
            let sent = log.filter { Self.host($0.client) == ip }.count
            #expect(sent > 0 && client.exchanges == sent, "\(client.name)")
            #expect(client.connections == Set(log.filter { Self.host($0.client) == ip }.map(\.client)).count)
            #expect(client.errors == 0)
        }
        #expect(api.byClient.count == 3)
        // Each connection's exchanges in order against the server's own timing.
        for (connection, lines) in Dictionary(grouping: log, by: \.client) {
            let got = try #require(outcome.exchangeTrace?[connection + " -> 10.244.0.2:6443"], "\(connection)")
            #expect(got.count == lines.count)
            for (g, line) in zip(got, lines.sorted { $0.received < $1.received }) {
                let served = line.responded - line.received
                #expect(abs(Double(g) / 1e9 - served) <= 0.002, "\(connection) \(line.path): \(Double(g) / 1e9) s vs \(served) s")
            }
        }
        #expect(api.watches == 1, "the node agent's watch stream")
        #expect(api.errors == APIServerErrors() && api.unmatched.total == 0)
        #expect(api.slowest.rows.first.map { abs($0.latency - 0.2) < 0.002 } == true, "the 200 ms request")
        #expect(api.tcpHandshakeRtt.count == 4 && api.tlsHandshakeLatency.count == 4)
    }

    @Test func podWorkloadAndNamespaceRows() throws {
        let r = try Self.outcome().report
        func pod(_ name: String) -> PodRow? { r.pods.first { $0.name == name } }
        let checkout = try #require(pod("checkout-7d9f8b6c5-x2x9k"))
        #expect(checkout.namespace == "shop" && checkout.workload == "Deployment/checkout" && checkout.node == "node1")
        #expect(checkout.tcp.connections == 2 && checkout.tls.handshakes == 2 && checkout.tls.completed == 2)
        // glibc tries the search list first: kubernetes.default.svc.cluster.local has 4 dots
        // (< ndots:5), so three NXDOMAIN expansions, then the name itself.
        #expect(checkout.dns.transactions == 4 && checkout.dns.rcodes["NXDOMAIN"] == 3 && checkout.dns.rcodes["NOERROR"] == 1)
        let dns = try #require(pod("coredns-5d78c9869d-q7w2x"))
        #expect(dns.dns.transactions == 12 && dns.workload == "Deployment/coredns" && dns.tcp.connections == 0)
        #expect(
            pod("kube-apiserver-node1")?.workload == "Node/node1" && pod("node-agent-7xk2p")?.workload == "DaemonSet/node-agent")
        #expect(r.workloads.first { $0.workload == "Deployment/checkout" }?.tcp.connections == 2)
        let shop = try #require(r.namespaces.first { $0.namespace == "shop" })
        #expect(shop.pods == 2 && shop.tcp.connections == 3 && shop.dns.transactions == 8)
    }

    /// fixtures/gen/record-pod-churn.sh: a pod deleted and another created with its IP, in
    /// Loupe's sidecar with timed events. Each connection goes to the pod that held the IP.
    @Test func ipReusedByANewPodDuringTheCapture() throws {
        var options = ReportOptions()
        options.metadataPaths = [Fixtures.path("pods/churn.sidecar.json")]
        let r = try ReportRun.run(paths: [Fixtures.path("pcaps/pods/churn.pcapng")], options: options).report
        let sessions = r.tls.sessions.rows.sorted { ($0.timestamp ?? 0) < ($1.timestamp ?? 0) }
        #expect(sessions.map(\.clientPod) == ["shop/web-6b8c7d9f5-old", "shop/web-6b8c7d9f5-new"])
        #expect(sessions.allSatisfy { $0.client.hasPrefix("10.244.0.20:") })
        #expect(Set(r.tcp.flows.rows.map(\.clientPod)) == ["shop/web-6b8c7d9f5-old", "shop/web-6b8c7d9f5-new"])
        #expect(
            r.apiServer.byClient.map { "\($0.name) \($0.exchanges)" }.sorted()
                == ["web-6b8c7d9f5-new 2", "web-6b8c7d9f5-old 3"])
        #expect(r.workloads.first { $0.workload == "Deployment/web" }?.pods == 2)
        #expect(r.attribution.resolvedFlows == r.attribution.flows)
    }

    /// `--pod`, `--namespace`, `--workload`: the sections keep the selected pods' traffic.
    @Test(arguments: [
        (PodFilter(pods: ["cart-5f6d7c8b9-k8k2m"]), 1, 4, 4),
        (PodFilter(pods: ["shop/checkout-7d9f8b6c5-x2x9k"]), 2, 4, 8),
        (PodFilter(namespaces: ["shop"]), 3, 8, 12),
        (PodFilter(workloads: ["DaemonSet/node-agent"]), 1, 4, 2),
        (PodFilter(workloads: ["checkout"]), 2, 4, 8),
        (PodFilter(namespaces: ["nowhere"]), 0, 0, 0),
    ])
    func filters(_ filter: PodFilter, connections: Int, transactions: Int, exchanges: Int) throws {
        var options = ReportOptions()
        options.metadataPaths = [Self.metadata]
        options.podFilter = filter
        let r = try ReportRun.run(paths: [Self.capture], options: options).report
        #expect(r.tcp.connections == connections && r.tls.handshakes == connections)
        #expect(r.dns.transactions == transactions && r.apiServer.exchanges == exchanges)
        let whole = try Self.outcome().report
        #expect(r.packets == whole.packets && r.attribution == whole.attribution, "capture totals and coverage stay whole")
    }
}
