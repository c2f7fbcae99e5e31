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

    /// The agent creates its capture file once every interface is open: then traffic counts.
    static func waitUntilRecording(_ capture: String) {
        let deadline = Date().addingTimeInterval(20)
        while !FileManager.default.fileExists(atPath: capture) && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        Thread.sleep(forTimeInterval: 0.1)
    }

    static func manifest(_ dir: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/manifest.json"))) as! [String: Any]
    }

    /// Every file the manifest lists exists with its size and SHA-256; returns the capture files.
    static func verifyManifest(_ dir: String) throws -> [String] {
        var captures: [String] = []
        for file in try manifest(dir)["files"] as! [[String: Any]] {
            let name = file["name"] as! String
            let sum = try run("/usr/bin/sha256sum", [dir + "/" + name]).stdout.split(separator: " ").first.map(String.init)
            #expect(sum == file["sha256"] as? String, "\(name)")
            let size = (try FileManager.default.attributesOfItem(atPath: dir + "/" + name)[.size] as? Int) ?? -1
            #expect(size == file["bytes"] as? Int, "\(name)")
            if name.hasSuffix(".pcapng") { captures.append(dir + "/" + name) }
        }
        return captures
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
            let agent = try Self.start(
                ns, ["--output", out, "--duration", "4", "--pods", Fixtures.path("pods/churn.sidecar.json")])
            Self.waitUntilRecording(out + "/capture.pcapng")
            _ = try run("/usr/sbin/ip", ["netns", "exec", ns, "ping", "-c", "4", "-i", "0.2", "127.0.0.1"])
            agent.waitUntilExit()
            #expect(agent.terminationStatus == 0)
        }
        let capture = out + "/capture.pcapng"
        let (loupe, capinfos, tshark) = try Self.packets(capture)
        #expect(loupe == 8 && tshark == 8 && capinfos.contains("8"), "ping on lo: 4 requests and 4 replies")
        // The interface statistics: lo's doubled kernel count halved to the 8 captured.
        let isb = try run(
            "/usr/bin/env",
            [
                "python3", "-c",
                """
                import struct, sys
                d = open(sys.argv[1], 'rb').read(); i = 0
                while i < len(d):
                    t, l = struct.unpack('<II', d[i:i+8])
                    if t == 5:
                        b = d[i+20:i+l-4]; j = 0
                        while j + 4 <= len(b):
                            c, n = struct.unpack('<HH', b[j:j+4])
                            if c == 4: print(struct.unpack('<Q', b[j+4:j+12])[0])
                            if c == 0: break
                            j += 4 + ((n + 3) & ~3)
                    i += l
                """, capture,
            ]
        ).stdout
        #expect(isb.trimmingCharacters(in: .whitespacesAndNewlines) == "8", "isb_ifrecv: \(isb)")
        let manifest = try Self.manifest(out)
        #expect(manifest["schema"] as? String == "loupe.bundle/1" && manifest["packets"] as? Int == 8)
        #expect(try Self.verifyManifest(out) == [capture])
        // Node state: the namespace's own addresses and counters; failures listed in both places.
        let addresses =
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/node-addresses.json")))
            as? [[String: Any]]
        #expect(addresses?.contains { $0["ifname"] as? String == "lo" } == true)
        #expect(try String(contentsOfFile: out + "/node-proc-net-snmp.txt", encoding: .utf8).hasPrefix("Ip:"))
        let state =
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/node-state.json")))
            as! [String: Any]
        let items = state["items"] as? [[String: Any]] ?? []
        #expect(items.count == 16)
        // What each interface is, asked of the kernel: this namespace's loopback at least.
        let interfaces =
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/node-interfaces.json")))
            as? [String: Any]
        #expect(
            (interfaces?["interfaces"] as? [[String: Any]])?.contains {
                $0["name"] as? String == "lo" && $0["role"] as? String == "loopback"
            } == true)
        let failed = items.compactMap { i in (i["error"] as? String).map { "\(i["source"] as? String ?? ""): \($0)" } }
        #expect(manifest["nodeStateFailures"] as? [String] == failed)
        // The bundle is read as one input, its sidecar found without --pods.
        let report = try LoupeBinary.json(["report", "--format", "json", out]).json
        #expect((report["attribution"] as? [String: Any])?["metadata"] as? [String] == [out + "/churn.sidecar.json"])
    }

    /// `--interface any`, as the DaemonSet runs it, on a node with a bridge and two pods
    /// exchanging 30 clean HTTP downloads (fixtures/gen/record-agent-any.sh): the capture is
    /// Linux cooked v2 (each packet keeps its interface's index), the points are the node's
    /// veths by name (the bundle's interface table) on the bundle's node, and each packet
    /// counts once: no retransmission or duplicate ACK, as the kernel resent nothing.
    @Test func anyInterfaceKeepsThePoints() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-agent-any-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        let recorded = try run("/bin/bash", [Fixtures.path("gen/record-agent-any.sh"), Self.agent, out])
        #expect(recorded.status == 0, "\(recorded.stderr)")
        let veths =
            recorded.stdout.split(separator: "\n").first { $0.hasPrefix("pods ") }?.split(separator: " ").dropFirst()
            .map(String.init) ?? []
        #expect(veths.count == 2)
        let report = try LoupeBinary.json(["report", "--format", "json", out]).json
        let inputs = report["inputs"] as? [[String: Any]] ?? []
        #expect(inputs.first?["linkTypes"] as? [String] == ["LINUX_SLL2"], "\(inputs)")
        let tcp = report["tcp"] as? [String: Any] ?? [:]
        #expect(tcp["connections"] as? Int == 30)
        #expect(tcp["retransmissions"] as? Int == 0 && tcp["duplicateAcks"] as? Int == 0, "\(tcp)")
        let sightings = report["sightings"] as? [String: Any] ?? [:]
        #expect((sightings["extraSightings"] as? Int ?? 0) > 1_000)
        let points = ((sightings["points"] as? [String: Any])?["rows"] as? [[String: Any]] ?? []).compactMap {
            $0["id"] as? String
        }
        #expect(Set(points).isSuperset(of: veths.map { "node-a:" + $0 }), "\(points)")
        let kernel = report["kernel"] as? [String: Any]
        // The kernel's events are the whole kernel's (other tests run beside this one): those
        // on the connections this capture shows.
        #expect(kernel == nil || kernel?["retransmissionsOnCapturedConnections"] as? Int == 0)
        let ids = (report["findings"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
        #expect(!ids.contains("tcp.retransmissions") && !ids.contains("kernel.wireMismatch"), "\(ids)")
    }

    @Test func sigtermLeavesAValidFile() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-agent-term-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        try Self.withNamespace { ns in
            let agent = try Self.start(ns, ["--output", out, "--duration", "60"])
            Self.waitUntilRecording(out + "/capture.pcapng")
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
            let agent = try Self.start(ns, ["--output", out, "--duration", "3"])
            Self.waitUntilRecording(out + ".d/capture.pcapng")
            _ = try run("/usr/sbin/ip", ["netns", "exec", ns, "ping", "-c", "2", "-i", "0.2", "127.0.0.1"])
            agent.waitUntilExit()
            #expect(agent.terminationStatus == 0)
        }
        let listing = try run("/usr/bin/env", ["tar", "--zstd", "-tf", out])
        // events.jsonl too (the test runs as root, so the kernel programs attach), and the node's state.
        let members = Set(listing.stdout.split(separator: "\n").map(String.init))
        #expect(
            listing.status == 0
                && members.isSuperset(of: [
                    "capture.pcapng", "events.jsonl", "manifest.json", "node-state.json",
                    "node-addresses.json", "node-proc-net-snmp.txt",
                ]),
            "\(listing.stdout)\(listing.stderr)")
        let summary = try LoupeBinary.json(["summary", "--format", "json", out])
        #expect(summary.status == 0 && summary.json["packets"] as? Int == 4)
        #expect(!FileManager.default.fileExists(atPath: out + ".d") && !FileManager.default.fileExists(atPath: out + ".partial"))
    }

    /// A full disk (a 128 KB tmpfs in a mount namespace): the agent stops, exits 3, and the
    /// capture it kept is valid and holds exactly the packets it says.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/unshare"), "needs unshare"))
    func fullDiskKeepsAValidCapture() throws {
        let mount = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-full-\(getpid())").path
        let kept = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-full-kept-\(getpid()).pcapng").path
        try FileManager.default.createDirectory(atPath: mount, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: mount); try? FileManager.default.removeItem(atPath: kept) }
        var log = ""
        try Self.withNamespace { ns in
            let script =
                "mount -t tmpfs -o size=128k none \(mount) && ip netns exec \(ns) \(Self.agent) record --interface lo "
                + "--output \(mount)/b --duration 4; echo exit=$?; cp \(mount)/b/capture.pcapng \(kept)"
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/unshare")
            p.arguments = ["-m", "sh", "-c", script]
            let pipe = Pipe()
            p.standardOutput = pipe
            p.standardError = pipe
            try p.run()
            Thread.sleep(forTimeInterval: 0.5)
            _ = try run("/usr/sbin/ip", ["netns", "exec", ns, "ping", "-c", "150", "-i", "0.01", "-s", "1400", "127.0.0.1"])
            p.waitUntilExit()
            log = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        }
        #expect(log.contains("exit=3") && log.contains("the capture ends there"), "\(log)")
        let said = log.split(separator: ";").last.flatMap { $0.split(separator: " ").first { Int($0) != nil } }.flatMap {
            Int($0)
        }
        let summary = try LoupeBinary.json(["summary", "--format", "json", kept])
        #expect(summary.status == 0 && (summary.json["packets"] as? Int ?? 0) > 10)
        #expect(said == summary.json["packets"] as? Int, "the count it reports is what the file holds: \(log)")
    }

    @Test func outputRootAndUser() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-root-\(getpid())").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let escape = try run(
            Self.agent,
            ["record", "--interface", "lo", "--output-root", root, "--output", root + "/../elsewhere", "--duration", "1"])
        #expect(escape.status == 2 && escape.stderr.contains("outside --output-root"))
        let out = root + "/bundle"
        try Self.withNamespace { ns in
            let agent = try Self.start(ns, ["--output", out, "--output-root", root, "--user", "nobody", "--duration", "3"])
            Self.waitUntilRecording(out + "/capture.pcapng")
            _ = try run("/usr/sbin/ip", ["netns", "exec", ns, "ping", "-c", "2", "-i", "0.2", "127.0.0.1"])
            agent.waitUntilExit()
            #expect(agent.terminationStatus == 0)
        }
        let attributes = try FileManager.default.attributesOfItem(atPath: out + "/capture.pcapng")
        #expect(attributes[.ownerAccountName] as? String == "nobody", "written after dropping to nobody")
        #expect((attributes[.posixPermissions] as? Int).map { $0 & 0o027 } == 0, "no group write, nothing for others")
        #expect(FileManager.default.fileExists(atPath: out + "/manifest.json"))
    }

    /// `--zstd`: capture.pcapng.zst, one zstd frame (checked by zstd -t) that decompresses to
    /// the packets tshark and Loupe count alike; stopped by SIGTERM, the frame is still finished.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/zstd"), "needs zstd"))
    func zstdCapture() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-agent-zstd-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        try Self.withNamespace { ns in
            let agent = try Self.start(ns, ["--output", out, "--duration", "60", "--zstd", "--no-kernel-events"])
            Self.waitUntilRecording(out + "/capture.pcapng.zst")
            _ = try run("/usr/sbin/ip", ["netns", "exec", ns, "ping", "-c", "5", "-i", "0.1", "127.0.0.1"])
            kill(agent.processIdentifier, SIGTERM)
            agent.waitUntilExit()
            #expect(agent.terminationStatus == 0)
        }
        let file = out + "/capture.pcapng.zst"
        #expect(try run("/usr/bin/zstd", ["-t", file]).status == 0, "a whole frame")
        let tshark = try run("/bin/sh", ["-c", "zstd -dc \(file) | tshark -r - 2>/dev/null | wc -l"]).stdout
        let loupe = try LoupeBinary.json(["summary", "--format", "json", file]).json["packets"] as? Int
        #expect(loupe == 10 && Int(tshark.trimmingCharacters(in: .whitespacesAndNewlines)) == 10)
        let listed = (try Self.manifest(out)["files"] as? [[String: Any]])?.compactMap { $0["name"] as? String } ?? []
        #expect(listed.contains("capture.pcapng.zst"))
        _ = try Self.verifyManifest(out)
    }
}
