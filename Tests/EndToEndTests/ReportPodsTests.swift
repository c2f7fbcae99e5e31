import Foundation
import Testing
import _TestSupport

/// `loupe report --pods`: the attribution, pods and API-server sections in JSON and text,
/// and bad metadata refused with status 2 and the file and field named.
struct ReportPodsTests {
    static let capture = Fixtures.path("pcaps/pods/apiserver.pcapng")
    static let metadata = Fixtures.path("pods/apiserver.kubectl.json")

    @Test func sectionsInJSONAndText() throws {
        let (status, json) = try LoupeBinary.json(["report", "--format", "json", "--pods", Self.metadata, Self.capture])
        #expect(status == 0)
        let attribution = try #require(json["attribution"] as? [String: Any])
        for key in [
            "packets", "flows", "resolvedPackets", "resolvedFlows", "resolvedPacketShare", "resolvedFlowShare", "unknownTop",
        ] {
            #expect(attribution[key] != nil, "attribution.\(key)")
        }
        let pods = try #require(json["pods"] as? [[String: Any]])
        #expect(pods.count == 5)
        for key in ["namespace", "name", "workload", "node", "dns", "tcp", "tls"] {
            #expect(pods[0][key] != nil, "pods[].\(key)")
        }
        let api = try #require(json["apiServer"] as? [String: Any])
        for key in ["endpoints", "connections", "exchanges", "watches", "unmatched", "latency", "byClient", "slowest"] {
            #expect(api[key] != nil, "apiServer.\(key)")
        }
        let byClient = try #require(api["byClient"] as? [[String: Any]])
        for key in ["namespace", "name", "connections", "exchanges", "latency", "errors"] { #expect(byClient[0][key] != nil) }
        let tcpRow = try #require(((json["tcp"] as? [String: Any])?["flows"] as? [String: Any])?["rows"] as? [[String: Any]])
        #expect(
            tcpRow.allSatisfy { $0["clientPod"] is String && $0["serverPod"] as? String == "kube-system/kube-apiserver-node1" })

        let text = try LoupeBinary.run(["report", "--pods", Self.metadata, Self.capture])
        #expect(text.status == 0)
        for line in [
            "Attribution: 100.0% of packets, 100.0% of flows named (16 of 16 flows)",
            "API server (10.244.0.2:6443, 10.96.0.1:443): 4 connections, 14 exchanges, 1 watch streams",
            "shop/checkout-7d9f8b6c5-x2x9k", "Deployment/checkout",
        ] {
            #expect(text.stdout.contains(line), "\(line)")
        }
    }

    @Test func badMetadataIsAUsageError() throws {
        let wrong = temporaryFile(
            Array(#"{"kind": "List", "items": [{"kind": "Pod", "metadata": {"name": ["x"]}}]}"#.utf8),
            suffix: ".json")
        let r = try LoupeBinary.run(["report", "--pods", wrong, Self.capture])
        #expect(r.status == 2 && r.stdout.isEmpty)
        #expect(r.stderr.contains(wrong + ": items[0].metadata.name: expected a string, found an array"), "\(r.stderr)")
        let missing = try LoupeBinary.run(["report", "--pods", "/nonexistent.json", Self.capture])
        #expect(missing.status == 2 && missing.stderr.contains("/nonexistent.json"))
        let noMetadata = try LoupeBinary.run(["report", "--namespace", "shop", Self.capture])
        #expect(noMetadata.status == 2 && noMetadata.stderr.contains("--pods"))
        let badEndpoint = try LoupeBinary.run(["report", "--api-server", "10.0.0.1", Self.capture])
        #expect(badEndpoint.status == 2 && badEndpoint.stderr.contains("ADDR:PORT"))
    }

    /// A directory is a bundle: its captures and its sidecar, found by name, with no --pods.
    @Test func directoryBundle() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-bundle-\(getpid())")
        try? FileManager.default.removeItem(at: dir)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.copyItem(
            atPath: Fixtures.path("pcaps/pods/churn.pcapng"), toPath: dir.appendingPathComponent("node1.pcapng").path)
        try FileManager.default.copyItem(
            atPath: Fixtures.path("pods/churn.sidecar.json"),
            toPath: dir.appendingPathComponent("pods.sidecar.json").path)
        let (status, json) = try LoupeBinary.json(["report", "--format", "json", dir.path])
        #expect(status == 0)
        let attribution = try #require(json["attribution"] as? [String: Any])
        #expect(attribution["metadata"] as? [String] == [dir.appendingPathComponent("pods.sidecar.json").path])
        #expect(attribution["resolvedFlowShare"] as? Double == 1)
        let empty = dir.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        let r = try LoupeBinary.run(["report", empty.path])
        #expect(r.status == 2 && r.stderr.contains("a directory without capture files"))
    }

    static let jsonschemaAvailable = (try? run("/usr/bin/env", ["python3", "-c", "import jsonschema"]).status) == 0

    /// The recorded sidecar is valid against the published schema (docs/sidecar.schema.json),
    /// and a sidecar missing its schema key is not.
    @Test(.enabled(if: jsonschemaAvailable, "needs python3's jsonschema"))
    func sidecarMatchesItsSchema() throws {
        let script = """
            import json, sys, jsonschema
            schema = json.load(open(sys.argv[1])); doc = json.load(open(sys.argv[2]))
            jsonschema.validate(doc, schema)
            del doc["schema"]
            try:
                jsonschema.validate(doc, schema); sys.exit(3)
            except jsonschema.ValidationError:
                pass
            """
        let r = try run(
            "/usr/bin/env",
            [
                "python3", "-c", script, Corpus.packageRoot.appendingPathComponent("docs/sidecar.schema.json").path,
                Fixtures.path("pods/churn.sidecar.json"),
            ])
        #expect(r.status == 0, "\(r.stderr)")
    }
}
