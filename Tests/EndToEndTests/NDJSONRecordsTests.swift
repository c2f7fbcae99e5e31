import Foundation
import Testing
import _TestSupport

/// `loupe report --format ndjson`: one record a line for every connection, DNS transaction,
/// TLS session and kernel event, whatever `--rows` says; counts equal the report's totals; each line
/// valid against its schema (docs/records/); ids those the report's rows carry; the same
/// bytes on every run.
struct NDJSONRecordsTests {
    static let inputs = [
        Fixtures.path("bundles/pods"), Fixtures.path("pcaps/tls/handshakes.pcapng"),
        Fixtures.path("pcaps/dns/search-path.pcapng"), Fixtures.path("pcaps/pods/churn.pcapng"),
        Fixtures.path("pcaps/http/plain.pcapng"),
    ]

    static func records(_ args: [String]) throws -> (text: String, lines: [[String: Any]]) {
        let r = try LoupeBinary.run(["report", "--format", "ndjson"] + args)
        #expect(r.status == 0, "\(r.stderr)")
        let lines = try r.stdout.split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
        }
        return (r.stdout, lines)
    }

    @Test(arguments: inputs)
    func countsEqualTheReport(_ input: String) throws {
        // --rows 1: the report's lists hold one row; the records hold every one.
        let (text, lines) = try Self.records(["--rows", "1", input])
        let report = try LoupeBinary.json(["report", "--format", "json", input]).json
        func count(_ kind: String) -> Int { lines.filter { $0["record"] as? String == kind }.count }
        let tcp = report["tcp"] as! [String: Any], dns = report["dns"] as! [String: Any]
        #expect(count("connection") == tcp["connections"] as! Int)
        #expect(count("dns") == dns["transactions"] as! Int)
        #expect(count("kernelEvent") == ((report["kernel"] as? [String: Any])?["events"] as? Int ?? 0))
        let tls = report["tls"] as! [String: Any], sessions = tls["sessions"] as! [String: Any]
        #expect(count("tls") == sessions["total"] as! Int)
        // No API server here: every request read in full is another service's (the http section).
        let http = report["http"] as? [String: Any]
        #expect(count("http") == (http?["requests"] as? Int ?? 0))
        #expect(count("connection") + count("dns") + count("kernelEvent") + count("tls") + count("http") == lines.count)
        // Ids: unique, and those of the report's rows.
        let ids = lines.map { $0["recordId"] as! String }
        #expect(Set(ids).count == ids.count)
        let flows = ((tcp["flows"] as! [String: Any])["rows"] as! [[String: Any]]).map { $0["id"] as! String }
        let transactions = ((dns["transactionList"] as! [String: Any])["rows"] as! [[String: Any]]).map {
            $0["recordId"] as! String
        }
        #expect(Set(flows).isSubset(of: ids) && Set(transactions).isSubset(of: ids))
        let sessionIds = (sessions["rows"] as! [[String: Any]]).map { $0["recordId"] as! String }
        #expect(Set(sessionIds).isSubset(of: ids))
        // A session's id is its connection's, prefixed.
        for id in ids where id.hasPrefix("tls-") { #expect(ids.contains(String(id.dropFirst(4))), "\(id)") }
        // A request's is its connection's, prefixed and with its place on it.
        for id in ids where id.hasPrefix("http-") {
            #expect(ids.contains(String(id.dropFirst(5).prefix { $0 != "-" })), "\(id)")
        }
        let requestIds = ((http?["requestList"] as? [String: Any])?["rows"] as? [[String: Any]] ?? []).map {
            $0["recordId"] as! String
        }
        #expect(Set(requestIds).isSubset(of: ids))
        // Deterministic.
        #expect(try Self.records([input]).text == text)
    }

    /// The API server's requests read in full (decrypted here, from the keys in the capture):
    /// a line each, with the ids of the report's `apiServer.requests` rows.
    @Test func apiRequests() throws {
        let args = [
            "--api-server", "10.78.0.2:6443", "--api-server", "10.78.0.2:6444", "--api-server", "10.78.0.2:6445",
            Fixtures.path("pcaps/api/https-dsb.pcapng"),
        ]
        let (_, lines) = try Self.records(["--rows", "2"] + args)
        let http = lines.filter { $0["record"] as? String == "http" }
        let report = try LoupeBinary.json(["report", "--format", "json"] + args).json
        let requests = (report["apiServer"] as! [String: Any])["requests"] as! [String: Any]
        #expect(http.count == requests["total"] as! Int && http.count > 10)
        let ids = Set(http.map { $0["recordId"] as! String })
        #expect(ids.count == http.count)
        #expect(Set((requests["rows"] as! [[String: Any]]).map { $0["recordId"] as! String }).isSubset(of: ids))
        #expect(http.allSatisfy { $0["decrypted"] as? Bool == true && $0["method"] is String })
    }

    @Test func podsAtBothEnds() throws {
        let (_, lines) = try Self.records([Fixtures.path("bundles/pods")])
        let dns = lines.filter { $0["record"] as? String == "dns" }
        #expect(!dns.isEmpty && dns.allSatisfy { $0["serverPod"] as? String == "kube-system/coredns-5d78c9869d-q7w2x" })
        let connections = lines.filter { $0["record"] as? String == "connection" }
        #expect(
            connections.contains {
                $0["clientPod"] as? String == "shop/checkout-7d9f8b6c5-x2x9k"
                    && $0["serverPod"] as? String == "shop/web-85f7c9d6b4-n2v8s"
            })
        let drops = lines.filter { $0["record"] as? String == "kernelEvent" && $0["kind"] as? String == "drop" }
        #expect(drops.count == 217, "the bundle's events.jsonl has 217 drop lines")
        #expect(lines.first?["recordId"] as? String == "kernel-events.jsonl-1")
    }

    @Test(.enabled(if: ReportPodsTests.jsonschemaAvailable, "needs python3's jsonschema"))
    func linesValidateAgainstTheirSchemas() throws {
        var byKind: [String: [String]] = [:]
        let api = [
            "--api-server", "10.78.0.2:6443", "--api-server", "10.78.0.2:6444", Fixtures.path("pcaps/api/https-dsb.pcapng"),
        ]
        for args in Self.inputs.map { [$0] } + [api] {
            let (text, _) = try Self.records(args)
            for line in text.split(separator: "\n") {
                let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
                byKind[object["record"] as! String, default: []].append(String(line))
            }
        }
        #expect(Set(byKind.keys) == ["connection", "dns", "kernelEvent", "tls", "http"])
        let script = """
            import json, sys, jsonschema
            schema = json.load(open(sys.argv[1]))
            jsonschema.Draft202012Validator.check_schema(schema)
            bad = 0
            for line in open(sys.argv[2]):
                for e in jsonschema.Draft202012Validator(schema).iter_errors(json.loads(line)):
                    print(list(e.absolute_path), e.message[:200]); bad += 1
            sys.exit(1 if bad else 0)
            """
        for (kind, lines) in byKind {
            let file = temporaryFile(Array((lines.joined(separator: "\n") + "\n").utf8), suffix: ".ndjson")
            let schema = Corpus.packageRoot.appendingPathComponent("docs/records/\(kind).schema.json").path
            let r = try run("/usr/bin/env", ["python3", "-c", script, schema, file])
            #expect(r.status == 0, "\(kind): \(r.stdout)\(r.stderr)")
        }
    }

    /// Past any list's bound: a flood's every connection is a line.
    @Test func everyConnectionOfAFlood() throws {
        let path = temporaryFile([], suffix: ".pcap")
        try writeSynFlood(count: 20_000, to: path)
        let r = try LoupeBinary.run(["report", "--format", "ndjson", path])
        let connections = r.stdout.split(separator: "\n").filter { $0.contains("\"record\":\"connection\"") }.count
        let report = try LoupeBinary.json(["report", "--format", "json", path]).json
        #expect(connections == (report["tcp"] as! [String: Any])["connections"] as! Int)
        #expect(connections > 10_000)
    }
}
