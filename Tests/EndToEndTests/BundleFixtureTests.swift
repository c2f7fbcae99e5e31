import Foundation
import Testing
import _TestSupport

/// fixtures/bundles/pods: recorded by loupe-agent on the pods' bridge (record-pods.sh with
/// LOUPE_AGENT and LOSS=5), its kubectl metadata, node state and kernel events inside. `loupe report` on
/// the directory alone names the pods and puts the kernel's view beside the wire's.
struct BundleFixtureTests {
    static let bundle = Fixtures.path("bundles/pods")

    @Test func reportNamesPodsWithoutPodsFlag() throws {
        let r = try LoupeBinary.json(["report", "--format", "json", Self.bundle])
        #expect(r.status == 0)
        let pods = (r.json["pods"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
        #expect(
            Set(pods) == [
                "coredns-5d78c9869d-q7w2x", "kube-apiserver-node1", "checkout-7d9f8b6c5-x2x9k",
                "cart-5f6d7c8b9-k8k2m", "node-agent-7xk2p", "web-85f7c9d6b4-n2v8s",
            ])
        let api = try #require(r.json["apiServer"] as? [String: Any])
        #expect(api["exchanges"] as? Int == 14, "checkout 8, cart 4, node-agent a watch and 1")
        // The recorder's own log: one line per request the API server answered (the watch too).
        let log = try String(contentsOfFile: Self.bundle + ".apiserver.log", encoding: .utf8).split(separator: "\n")
        #expect(log.count == 14)
        // nginx: curl with TLS 1.2 to 8443 and TLS 1.3 to 9443, from the checkout pod.
        let sessions = ((r.json["tls"] as? [String: Any])?["sessions"] as? [String: Any])?["rows"] as? [[String: Any]] ?? []
        let nginx = Dictionary(
            sessions.compactMap { s -> (String, String)? in
                guard let server = s["server"] as? String, server.hasPrefix("10.244.0.14:") else { return nil }
                return (server, s["version"] as? String ?? "?")
            }, uniquingKeysWith: { a, _ in a })
        #expect(nginx == ["10.244.0.14:8443": "TLSv1.2", "10.244.0.14:9443": "TLSv1.3"])
        // dig: one name that exists, one that does not.
        let nx = ((r.json["dns"] as? [String: Any])?["topNXDOMAIN"] as? [String: Any])?["rows"] as? [[String: Any]] ?? []
        #expect(nx.contains { $0["name"] as? String == "nope.shop.svc.cluster.local" })
        let text = try LoupeBinary.run(["report", "--section", "pods", Self.bundle]).stdout
        #expect(text.contains("shop/checkout-7d9f8b6c5-x2x9k"))
    }

    /// A bundle's TLS key logs are found by name (`*.keylog`, `sslkeys.log`, `*.sslkeys.log`):
    /// the recorder's curl key log (its HTTPS requests to nginx) put inside a copy of the
    /// bundle under each name decrypts them as `--tls-keylog` does; without one nothing is.
    @Test(arguments: ["curl.keylog", "sslkeys.log", "node1.sslkeys.log"])
    func keyLogsInsideTheBundle(_ name: String) throws {
        let copy = NSTemporaryDirectory() + "loupe-bundle-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: copy) }
        try FileManager.default.copyItem(atPath: Self.bundle, toPath: copy)
        func decrypted(_ args: [String]) throws -> Int? {
            let r = try LoupeBinary.json(["report", "--format", "json"] + args)
            return (r.json["http"] as? [String: Any])?["requests"] as? Int
        }
        #expect(try decrypted([copy]) == nil, "no http section without keys")
        let given = try decrypted(["--tls-keylog", Self.bundle + ".sslkeys.log", copy])
        #expect((given ?? 0) > 0)
        try FileManager.default.copyItem(atPath: Self.bundle + ".sslkeys.log", toPath: copy + "/" + name)
        #expect(try decrypted([copy]) == given)
    }

    @Test func kernelBesideTheWire() throws {
        let r = try LoupeBinary.json(["report", "--format", "json", Self.bundle])
        let k = try #require(r.json["kernel"] as? [String: Any])
        #expect(k["complete"] as? Bool == true && k["lost"] as? Int == 0)
        #expect((k["attached"] as? [String])?.count == 3)
        let kernel = k["retransmissionsOnCapturedConnections"] as? Int ?? -1
        let wire =
            (k["wireRetransmissionsOnThoseConnections"] as? Int ?? 0) + (k["wireOutOfOrderOnThoseConnections"] as? Int ?? 0)
        #expect(kernel >= 1 && kernel == wire, "kernel \(kernel), wire \(wire)")
        let reasons = ((k["dropReasons"] as? [String: Any])?["rows"] as? [[String: Any]] ?? []).compactMap {
            $0["reason"] as? String
        }
        #expect(reasons.contains("NETFILTER_DROP"), "the 5% loss rule dropped at least one packet: \(reasons)")
        // The rows name the connection the same way the TCP section does.
        let rows = (k["connections"] as? [String: Any])?["rows"] as? [[String: Any]] ?? []
        let tcp = ((r.json["tcp"] as? [String: Any])?["flows"] as? [String: Any])?["rows"] as? [[String: Any]] ?? []
        for row in rows where row["wire"] is Int {
            let pair = Set([row["sender"] as? String, row["receiver"] as? String])
            #expect(tcp.contains { Set([$0["client"] as? String, $0["server"] as? String]) == pair })
        }
    }

    /// The node the agent recorded on, from its manifest and node state, in the summary.
    @Test func summaryNamesTheNode() throws {
        let r = try LoupeBinary.json(["summary", "--format", "json", Self.bundle])
        let nodes = r.json["nodes"] as? [[String: Any]] ?? []
        #expect(nodes.count == 1 && nodes.first?["name"] as? String == "node1")
        #expect(nodes.first?["addresses"] as? [String] == ["10.244.0.1"], "the bridge's address in the node namespace")
    }

    /// The manifest's hashes verify (the bundle as committed is the bundle as recorded).
    @Test func manifestVerifies() throws {
        #expect(try AgentRecordTests.manifest(Self.bundle)["schema"] as? String == "loupe.bundle/1")
        #expect(try AgentRecordTests.verifyManifest(Self.bundle) == [Self.bundle + "/capture.pcapng"])
    }
}
