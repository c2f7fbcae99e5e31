import Foundation
import Testing
import _TestSupport

/// loupe-agent's Kubernetes client against a fake API server on loopback in a namespace of the
/// test's own (fixtures/gen/fake-apiserver.py: TLS from a test CA, a bearer token, paged lists,
/// chunked watch streams shaped like the real API's).
@Suite(.enabled(if: geteuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/sbin/ip"), "needs root and ip (netns)"))
struct KubernetesClientTests {
    /// Starts the fake server in a fresh namespace, runs `body` with the namespace and the
    /// server's directory, then stops everything.
    static func withFakeAPIServer(_ body: (String, String) throws -> Void) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent(
            "loupe-fake-api-\(getpid())-\(Int.random(in: 0..<1_000_000))"
        ).path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try AgentRecordTests.withNamespace { ns in
            let server = Process()
            server.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
            server.arguments = ["netns", "exec", ns, "python3", Fixtures.path("gen/fake-apiserver.py"), dir, "16443"]
            let out = Pipe()
            server.standardOutput = out
            server.standardError = FileHandle.nullDevice
            try server.run()
            defer { kill(server.processIdentifier, SIGKILL); server.waitUntilExit() }
            _ = out.fileHandleForReading.availableData  // "ready"
            try body(ns, dir)
        }
    }

    static func record(_ ns: String, _ out: String, _ args: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        try run(
            "/usr/sbin/ip",
            [
                "netns", "exec", ns, AgentRecordTests.agent, "record", "--interface", "lo", "--output", out,
                "--duration", "2", "--no-kernel-events", "--node", "node1",
            ] + args)
    }

    @Test func listsAndWatchesIntoTheSidecar() throws {
        try Self.withFakeAPIServer { ns, dir in
            let out = dir + "/bundle"
            let started = Date().timeIntervalSince1970
            let r = try Self.record(ns, out, ["--kubeconfig", dir + "/kubeconfig.yaml"])
            #expect(r.status == 0, "\(r.stderr)")
            #expect(Date().timeIntervalSince1970 - started < 8, "--duration 2: the open watches end with the capture")
            #expect(r.stderr.contains("5 cluster objects and 2 changes"), "\(r.stderr)")
            let sidecar =
                try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/cluster.sidecar.json")))
                as! [String: Any]
            #expect(sidecar["schema"] as? String == "loupe.sidecar/1" && sidecar["node"] as? String == "node1")
            let items = sidecar["items"] as? [[String: Any]] ?? []
            let kinds = items.map {
                "\($0["kind"] as? String ?? "?")/\(($0["metadata"] as? [String: Any])?["name"] as? String ?? "?")"
            }
            #expect(
                Set(kinds) == [
                    "Pod/web-6b8c7d9f5-old", "Pod/api-client-0", "Service/kubernetes", "EndpointSlice/kubernetes", "Node/node1",
                ],
                "both pages of pods, and every kind")
            #expect(items.allSatisfy { ($0["metadata"] as? [String: Any])?["managedFields"] == nil })
            let events = sidecar["events"] as? [[String: Any]] ?? []
            let changes = events.map {
                "\($0["type"] as? String ?? "?") \((($0["object"] as? [String: Any])?["metadata"] as? [String: Any])?["name"] as? String ?? "?")"
            }
            #expect(changes == ["ADDED web-6b8c7d9f5-new", "DELETED web-6b8c7d9f5-old"])
            let times = events.compactMap { $0["time"] as? Double }
            #expect(times.count == 2 && times[0] < times[1] && times.allSatisfy { $0 > started && $0 < started + 10 })
            let requests = try String(contentsOfFile: dir + "/requests.log", encoding: .utf8)
            #expect(requests.contains("/api/v1/pods?limit=500&continue=p2 token=ok"))
            #expect(requests.contains("/api/v1/pods?watch=1&allowWatchBookmarks=true&resourceVersion=100 token=ok"))
            #expect(!requests.contains("token=bad"))
            let manifest = try AgentRecordTests.manifest(out)
            let k = manifest["kubernetes"] as? [String: Any]
            #expect(k?["objects"] as? Int == 5 && k?["changes"] as? Int == 2 && (k?["notes"] as? [String]) == [])
            #expect((manifest["files"] as? [[String: Any]])?.contains { $0["name"] as? String == "cluster.sidecar.json" } == true)
            // loupe reads the sidecar from the bundle as its metadata.
            let report = try LoupeBinary.json(["report", "--format", "json", out])
            #expect(report.status == 0)
            #expect((report.json["attribution"] as? [String: Any])?["metadata"] as? [String] == [out + "/cluster.sidecar.json"])
        }
    }

    /// A wrong token: the capture goes on; the 401 is said on stderr and in the manifest.
    @Test func refusedTokenStillRecords() throws {
        try Self.withFakeAPIServer { ns, dir in
            let config = try String(contentsOfFile: dir + "/kubeconfig.yaml", encoding: .utf8)
                .replacingOccurrences(of: "loupe-test-token", with: "wrong")
            try config.write(toFile: dir + "/wrong.yaml", atomically: true, encoding: .utf8)
            let out = dir + "/bundle"
            let r = try Self.record(ns, out, ["--kubeconfig", dir + "/wrong.yaml"])
            #expect(r.status == 0)
            #expect(r.stderr.contains("HTTP 401: Unauthorized"), "\(r.stderr)")
            #expect(!FileManager.default.fileExists(atPath: out + "/cluster.sidecar.json"))
            let manifest = try AgentRecordTests.manifest(out)
            #expect(((manifest["kubernetes"] as? [String: Any])?["notes"] as? [String])?.first?.contains("401") == true)
        }
    }

    /// A CA that did not sign the server's certificate: TLS fails, nothing is sent.
    @Test func wrongCertificateAuthorityRefused() throws {
        try Self.withFakeAPIServer { ns, dir in
            var config = try String(contentsOfFile: dir + "/kubeconfig.yaml", encoding: .utf8)
            // Another CA: the fake server's own leaf is not a CA, and verification must fail.
            let other = try run(
                "/usr/bin/env",
                [
                    "python3", "-c",
                    """
                    import base64, datetime
                    from cryptography import x509
                    from cryptography.hazmat.primitives import hashes, serialization
                    from cryptography.hazmat.primitives.asymmetric import ec
                    from cryptography.x509.oid import NameOID
                    k = ec.generate_private_key(ec.SECP256R1()); n = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "other")])
                    now = datetime.datetime.now(datetime.timezone.utc)
                    c = x509.CertificateBuilder().subject_name(n).issuer_name(n).public_key(k.public_key()).serial_number(1).not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1)).sign(k, hashes.SHA256())
                    print(base64.b64encode(c.public_bytes(serialization.Encoding.PEM)).decode())
                    """,
                ]
            ).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            let lines = config.split(separator: "\n", omittingEmptySubsequences: false).map { line in
                line.contains("certificate-authority-data") ? "    certificate-authority-data: " + other : String(line)
            }
            config = lines.joined(separator: "\n")
            try config.write(toFile: dir + "/other-ca.yaml", atomically: true, encoding: .utf8)
            let r = try Self.record(ns, dir + "/bundle", ["--kubeconfig", dir + "/other-ca.yaml"])
            #expect(r.status == 0 && r.stderr.contains("kubernetes:"), "\(r.stderr)")
            let requests = (try? String(contentsOfFile: dir + "/requests.log", encoding: .utf8)) ?? ""
            #expect(requests.isEmpty, "no request reached the server: \(requests)")
        }
    }
}
