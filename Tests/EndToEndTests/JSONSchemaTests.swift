import Foundation
import Testing
import _TestSupport

/// Every JSON output the tests make valid against the published schemas
/// (docs/report.schema.json, docs/summary.schema.json), with python3-jsonschema; and the
/// same input twice gives byte-identical JSON and text.
@Suite(.enabled(if: ReportPodsTests.jsonschemaAvailable, "needs python3's jsonschema"))
struct JSONSchemaTests {
    static let fixtures = [
        "pcaps/foundation/namespaces.pcapng", "pcaps/dns/search-path.pcapng", "pcaps/dns/host-search.pcapng",
        "pcaps/tls/handshakes.pcapng", "pcaps/pods/churn.pcapng", "bundles/pods",
    ].map(Fixtures.path)

    static func validate(_ outputs: [(String, String)], schema: String) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-schema-\(getpid())-\(schema)")
        try? FileManager.default.removeItem(at: dir)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var files: [String] = []
        for (i, (_, json)) in outputs.enumerated() {
            let f = dir.appendingPathComponent("\(i).json").path
            try json.write(toFile: f, atomically: true, encoding: .utf8)
            files.append(f)
        }
        let script = """
            import json, sys, jsonschema
            schema = json.load(open(sys.argv[1]))
            jsonschema.Draft202012Validator.check_schema(schema)
            bad = 0
            for f in sys.argv[2:]:
                for e in jsonschema.Draft202012Validator(schema).iter_errors(json.load(open(f))):
                    print(f, list(e.absolute_path), e.message[:200]); bad += 1
            sys.exit(1 if bad else 0)
            """
        let r = try run(
            "/usr/bin/env",
            [
                "python3", "-c", script,
                Corpus.packageRoot.appendingPathComponent("docs/\(schema).schema.json").path,
            ] + files)
        #expect(r.status == 0, "\(outputs.map(\.0)): \(r.stdout)\(r.stderr)")
    }

    @Test func reportsValidate() throws {
        var outputs: [(String, String)] = []
        var inputs: [[String]] = Self.fixtures.map { [$0] }
        inputs.append(["--pods", Fixtures.path("pods/apiserver.kubectl.json"), Fixtures.path("pcaps/pods/apiserver.pcapng")])
        inputs.append([
            "--pods", Fixtures.path("pods/churn.sidecar.json"), "--rows", "1", Fixtures.path("pcaps/pods/churn.pcapng"),
        ])
        inputs.append([Fixtures.path("pcaps/sightings/points.pcapng")])  // with a sightings section
        inputs.append([Fixtures.path("pcaps/icmp/errors.pcapng")])  // ICMP errors with rows
        // API-server requests decrypted with keys (issue 26)
        inputs.append([
            "--api-server", "10.78.0.2:6443", "--api-server", "10.78.0.2:6444", Fixtures.path("pcaps/api/https-dsb.pcapng"),
        ])
        inputs.append(["--tls-keylog", Fixtures.path("pcaps/api/https.keylog"), Fixtures.path("pcaps/api/https.pcapng")])  // http
        if Corpus.sharedRoot != nil {
            for c in [
                "tcpdump/quic_handshake.pcap", "zeek/tls1.2.pcap", "derived/tls-1.2-stream-keylog-port6443.pcap",
                "zeek/dns-tcp-fallback.pcap",
            ] where FileManager.default.fileExists(atPath: Corpus.capturePath(c)) {
                inputs.append([Corpus.capturePath(c)])
            }
        }
        for args in inputs {
            let r = try LoupeBinary.run(["report", "--format", "json"] + args)
            #expect(r.status == 0)
            outputs.append((args.joined(separator: " "), r.stdout))
        }
        try Self.validate(outputs, schema: "report")
    }

    @Test func summariesValidate() throws {
        var outputs: [(String, String)] = []
        for f in Self.fixtures {
            let r = try LoupeBinary.run(["summary", "--format", "json", f])
            outputs.append((f, r.stdout))
        }
        try Self.validate(outputs, schema: "summary")
    }

    @Test func sameInputSameBytes() throws {
        for format in ["json", "text"] {
            let args = [
                "report", "--format", format, "--pods", Fixtures.path("pods/apiserver.kubectl.json"),
                Fixtures.path("pcaps/pods/apiserver.pcapng"),
            ]
            let a = try LoupeBinary.run(args), b = try LoupeBinary.run(args)
            #expect(a.stdout == b.stdout && !a.stdout.isEmpty, "\(format)")
        }
    }
}
