import Foundation
import Testing
import _TestSupport

/// `loupe-agent record` in a network namespace of the test's own: the bundle's pcapng reads
/// back in Loupe, tshark and capinfos with the same packets, the manifest's hashes verify,
/// and SIGTERM in the middle leaves a valid file.
@Suite(.enabled(if: geteuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/sbin/ip"), "needs root and ip (netns)"))
struct AgentRecordTests {
    static var agent: String { (LoupeBinary.path as NSString).deletingLastPathComponent + "/loupe-agent" }

    /// Runs `body` with a fresh namespace (loopback up), deleted afterwards.
    static func withNamespace(_ body: (String) throws -> Void) throws {
        let ns = "loupe-agt-\(getpid())-\(Int.random(in: 0 ..< 1_000_000))"
        _ = try run("/usr/sbin/ip", ["netns", "add", ns])
        defer { _ = try? run("/usr/sbin/ip", ["netns", "del", ns]) }
        _ = try run("/usr/sbin/ip", ["-n", ns, "link", "set", "lo", "up"])
        try body(ns)
    }

    static func start(_ ns: String, _ args: [String]) throws -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
        p.arguments = ["netns", "exec", ns, agent, "record", "--interface", "lo"] + args
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        return p
    }

    static func packets(_ path: String) throws -> (loupe: Int?, capinfos: String, tshark: Int) {
        let loupe = try LoupeBinary.json(["summary", "--format", "json", path]).json["packets"] as? Int
        let capinfos = try run("/usr/bin/capinfos", ["-c", "-M", path]).stdout
        let tshark = try run("/usr/bin/tshark", ["-r", path]).stdout.split(separator: "\n").count
        return (loupe, capinfos, tshark)
    }

    @Test func recordsABundleThatReadsBack() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-agent-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        try Self.withNamespace { ns in
            let agent = try Self.start(ns, ["--output", out, "--duration", "2", "--pods", Fixtures.path("pods/churn.sidecar.json")])
            Thread.sleep(forTimeInterval: 0.5)
            _ = try run("/usr/sbin/ip", ["netns", "exec", ns, "ping", "-c", "4", "-i", "0.2", "127.0.0.1"])
            agent.waitUntilExit()
            #expect(agent.terminationStatus == 0)
        }
        let capture = out + "/capture.pcapng"
        let (loupe, capinfos, tshark) = try Self.packets(capture)
        #expect(loupe == 8 && tshark == 8 && capinfos.contains("8"), "ping on lo: 4 requests and 4 replies")
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/manifest.json"))) as! [String: Any]
        #expect(manifest["schema"] as? String == "loupe.bundle/1" && manifest["packets"] as? Int == 8)
        for file in manifest["files"] as! [[String: Any]] {
            let name = file["name"] as! String
            let sum = try run("/usr/bin/sha256sum", [out + "/" + name]).stdout.split(separator: " ").first.map(String.init)
            #expect(sum == file["sha256"] as? String, "\(name)")
        }
        // The bundle is read as one input, its sidecar found without --pods.
        let report = try LoupeBinary.json(["report", "--format", "json", out]).json
        #expect((report["attribution"] as? [String: Any])?["metadata"] as? [String] == [out + "/churn.sidecar.json"])
    }

    @Test func sigtermLeavesAValidFile() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-agent-term-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        try Self.withNamespace { ns in
            let agent = try Self.start(ns, ["--output", out, "--duration", "60"])
            Thread.sleep(forTimeInterval: 0.5)
            _ = try run("/usr/sbin/ip", ["netns", "exec", ns, "ping", "-c", "3", "-i", "0.2", "127.0.0.1"])
            // `ip netns exec` execs the agent: the signal reaches it directly.
            let sent = Date()
            kill(agent.processIdentifier, SIGTERM)
            agent.waitUntilExit()
            #expect(agent.terminationStatus == 0)
            #expect(Date().timeIntervalSince(sent) < 5, "stopped at the signal, not at --duration")
        }
        let summary = try LoupeBinary.run(["summary", out + "/capture.pcapng"])
        #expect(summary.status == 0 && !summary.stdout.contains("DAMAGED"))
        #expect(try Self.packets(out + "/capture.pcapng").tshark == 6)
    }

    /// `--output X.tar.zst`: one archive, read by tar and by `loupe` directly; no directory left.
    @Test func archiveBundle() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-agent-\(getpid()).tar.zst").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        try Self.withNamespace { ns in
            let agent = try Self.start(ns, ["--output", out, "--duration", "1.5"])
            Thread.sleep(forTimeInterval: 0.4)
            _ = try run("/usr/sbin/ip", ["netns", "exec", ns, "ping", "-c", "2", "-i", "0.2", "127.0.0.1"])
            agent.waitUntilExit()
            #expect(agent.terminationStatus == 0)
        }
        let listing = try run("/usr/bin/env", ["tar", "--zstd", "-tf", out])
        #expect(listing.status == 0 && listing.stdout.split(separator: "\n").sorted() == ["capture.pcapng", "manifest.json"],
                "\(listing.stdout)\(listing.stderr)")
        let summary = try LoupeBinary.json(["summary", "--format", "json", out])
        #expect(summary.status == 0 && summary.json["packets"] as? Int == 4)
        #expect(!FileManager.default.fileExists(atPath: out + ".d") && !FileManager.default.fileExists(atPath: out + ".partial"))
    }
}
