import Foundation
import Bundles
import Testing
import _TestSupport

/// `loupe-agent record` with kernel events, in namespaces of the test's own under random loss
/// (fixtures/gen/record-agent-loss.sh): the capture reads back in Loupe, tshark and capinfos,
/// the manifest's hashes verify, the eBPF retransmissions match the wire's, the drops match
/// nftables' own count, and rotation keeps the files within their budget.
@Suite(
    .serialized,
    .enabled(
        if: geteuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/sbin/nft"),
        "needs root and nftables (netns, eBPF)"))
struct AgentKernelEventsTests {
    static var agent: String { AgentRecordTests.agent }

    @Test func kernelRetransmissionsMatchTheWire() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-agent-loss-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        // Stopped by SIGTERM in the middle of --duration (the script sends it). The drops are
        // the receiver's, a namespace behind an addressed wire (another node, for the agent's
        // rule): --all-namespaces keeps its events.
        let recorded = try run(
            "/bin/bash",
            [
                Fixtures.path("gen/record-agent-loss.sh"), Self.agent, out,
                "--duration", "60", "--rotate-size", "1MB", "--rotate-files", "10", "--all-namespaces",
            ])
        #expect(recorded.status == 0, "\(recorded.stderr)")
        func value(_ key: String) -> Int? {
            recorded.stdout.split(separator: "\n").first { $0.hasPrefix(key + " ") }.flatMap { Int($0.split(separator: " ")[1]) }
        }
        let nftDropped = try #require(value("nft-dropped")), receiverNetns = try #require(value("receiver-netns"))
        let droppedBeforeStop = try #require(value("nft-dropped-before-stop"))
        #expect(nftDropped > 20, "5% of ~1400 segments")

        // The capture: several files (1 MB rotation), each read alike by Loupe, tshark and capinfos.
        let captures = try AgentRecordTests.verifyManifest(out)
        #expect(captures.count >= 2, "2 MB of traffic in 1 MB files")
        var total = 0
        for c in captures {
            let loupe = try LoupeBinary.json(["summary", "--format", "json", c]).json["packets"] as? Int
            let tshark = try run("/usr/bin/tshark", ["-r", c]).stdout.split(separator: "\n").count
            let capinfos = try run("/usr/bin/capinfos", ["-c", "-M", c]).stdout
            let counted = capinfos.split(separator: "\n").first { $0.contains("Number of packets") }?
                .split(separator: " ").last.flatMap { Int($0) }
            #expect(
                loupe == tshark && counted == tshark, "\(c): loupe \(loupe ?? -1), tshark \(tshark), capinfos \(counted ?? -1)")
            total += tshark
        }
        #expect(try AgentRecordTests.manifest(out)["packets"] as? Int == total)

        // Drops: the kernel's NETFILTER_DROP events in the receiver's namespace are nftables' drops:
        // every one counted before the recorder stopped, none past the count after it (a
        // closing connection's FIN or last ACK, sent again on its timer, can be dropped while
        // the recorder stops: once, 83 events against 84 drops counted after the stop).
        let lines = try String(contentsOfFile: out + "/events.jsonl", encoding: .utf8).split(separator: "\n")
        let events = lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        let filtered = events.filter { $0["reason"] as? String == "NETFILTER_DROP" && $0["netns"] as? Int == receiverNetns }
        #expect(
            filtered.count >= droppedBeforeStop && filtered.count <= nftDropped,
            "\(filtered.count) events, \(droppedBeforeStop) drops before the stop, \(nftDropped) after")
        #expect(events.first?["kind"] as? String == "start" && events.last?["kind"] as? String == "stop")
        #expect(events.last?["lost"] as? Int == 0, "no event lost to a full ring: the counts above are whole")

        // Retransmissions: every one the kernel made is a resend on the wire, same port and
        // sequence number; the counts agree within 5% (or 2). Loss here is fast-recovered within
        // an RTT of ~0.1 ms, so tshark's rules call most resends out-of-order.
        // Kernel events are host-wide: other tests' connections retransmit too. This scenario's
        // are the ones to the receiver's port.
        // The server can retransmit too (its FIN, when the client's last ACK was dropped): both
        // directions count for the connection, the client's data segments for the sequence check.
        let receiver = "10.99.0.2:7000"
        let sent = events.filter { $0["kind"] as? String == "retransmit" && $0["error"] == nil }
        let scenario = sent.filter { $0["destination"] as? String == receiver || $0["source"] as? String == receiver }
        let kernel = sent.filter { $0["destination"] as? String == receiver }
        #expect(kernel.count >= nftDropped - 2, "every dropped data segment was resent")
        var seen: [String: Int] = [:]
        for c in captures {
            let fields = try run(
                "/usr/bin/tshark",
                [
                    "-r", c, "-Y", "ip.src==10.99.0.1 && tcp.len>0", "-T", "fields",
                    "-e", "tcp.srcport", "-e", "tcp.seq_raw",
                ]
            ).stdout
            for line in fields.split(separator: "\n") { seen[line.replacingOccurrences(of: "\t", with: " "), default: 0] += 1 }
        }
        let resent = Set(seen.filter { $0.value > 1 }.keys)
        let kernelKeys = kernel.map { e -> String in
            let port = (e["source"] as? String)?.split(separator: ":").last.map(String.init) ?? ""
            return "\(port) \(e["sequence"] as? Int ?? -1)"
        }
        let matched = kernelKeys.filter { resent.contains($0) }.count
        #expect(
            Double(matched) >= 0.95 * Double(kernelKeys.count),
            "\(matched) of \(kernelKeys.count) kernel retransmissions seen resent")

        let report = try LoupeBinary.json(["report", "--format", "json", out]).json
        let k = try #require(report["kernel"] as? [String: Any])
        let rows = ((k["connections"] as? [String: Any])?["rows"] as? [[String: Any]] ?? [])
            .filter { $0["receiver"] as? String == receiver || $0["sender"] as? String == receiver }
        #expect(rows.allSatisfy { $0["wire"] is Int }, "every connection of the scenario is in the capture")
        let retx = rows.reduce(0) { $0 + ($1["kernel"] as? Int ?? 0) }
        let wire = rows.reduce(0) { $0 + ($1["wire"] as? Int ?? 0) + ($1["wireOutOfOrder"] as? Int ?? 0) }
        #expect(retx == scenario.count && (k["retransmissions"] as? Int ?? 0) >= retx)
        #expect(abs(retx - wire) <= max(2, retx / 20), "kernel \(retx), wire retransmissions + out-of-order \(wire)")
        let reasons = (k["dropReasons"] as? [String: Any])?["rows"] as? [[String: Any]] ?? []
        #expect((reasons.first { $0["reason"] as? String == "NETFILTER_DROP" }?["drops"] as? Int ?? 0) >= nftDropped)
        #expect((k["attached"] as? [String])?.contains { $0.hasPrefix("tcp_retransmit_skb") } == true)
        let text = try LoupeBinary.run(["report", "--section", "kernel", out]).stdout
        #expect(text.contains("Kernel (eBPF)") && text.contains("NETFILTER_DROP"))
    }

    /// `--rotate-size 1MB --rotate-files 2` with ~12 MB of traffic: the ring deletes the oldest
    /// files, never holds more than two of at most 1 MB, and each kept file is a valid capture.
    @Test func rotationStaysWithinBudget() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-agent-ring-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        try AgentRecordTests.withNamespace { ns in
            let agent = try AgentRecordTests.start(
                ns,
                [
                    "--output", out, "--duration", "30", "--rotate-size", "1MB",
                    "--rotate-files", "2", "--no-kernel-events",
                ])
            AgentRecordTests.waitUntilRecording(out + "/capture-00001.pcapng")
            _ = try run("/usr/sbin/ip", ["netns", "exec", ns, "ping", "-c", "100", "-i", "0.005", "-s", "60000", "127.0.0.1"])
            kill(agent.processIdentifier, SIGTERM)
            agent.waitUntilExit()
            #expect(agent.terminationStatus == 0)
        }
        let captures = try AgentRecordTests.verifyManifest(out)
        let deleted = try AgentRecordTests.manifest(out)["deletedFiles"] as? [String] ?? []
        #expect(captures.count == 2 && deleted.count >= 3, "kept \(captures), deleted \(deleted)")
        let onDisk = try FileManager.default.contentsOfDirectory(atPath: out).filter { $0.hasSuffix(".pcapng") }
        #expect(onDisk.count == 2)
        for c in captures {
            let size = try FileManager.default.attributesOfItem(atPath: c)[.size] as? Int ?? .max
            #expect(size <= 1 << 20, "\(c): \(size) bytes")
            let tshark = try run("/usr/bin/tshark", ["-r", c])
            #expect(tshark.status == 0 && tshark.stdout.split(separator: "\n").count > 5)
            let summary = try LoupeBinary.run(["summary", c])
            #expect(summary.status == 0 && !summary.stdout.contains("DAMAGED"))
        }
    }

    /// As an unprivileged user with only the capabilities the DaemonSet grants (NET_RAW,
    /// NET_ADMIN, BPF, PERFMON) the kernel programs attach; without BPF and PERFMON the agent
    /// still records the packets and says, in the manifest and on stderr, what it could not attach.
    @Test(
        .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv"), "needs setpriv"),
        arguments: [true, false])
    func capabilities(withBPF: Bool) throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-caps-\(getpid())-\(withBPF)").path
        try FileManager.default.createDirectory(
            atPath: root, withIntermediateDirectories: true,
            attributes: [.posixPermissions: 0o777])
        defer { try? FileManager.default.removeItem(atPath: root) }
        let out = root + "/b"
        var stderr = ""
        try AgentRecordTests.withNamespace { ns in
            let caps = "+net_raw,+net_admin" + (withBPF ? ",+bpf,+perfmon" : "")
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
            p.arguments = [
                "netns", "exec", ns, "/usr/bin/setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups",
                "--inh-caps=" + caps, "--ambient-caps=" + caps, Self.agent, "record", "--interface", "lo",
                "--output", out, "--duration", "3",
            ]
            let pipe = Pipe()
            p.standardError = pipe
            p.standardOutput = FileHandle.nullDevice
            try p.run()
            AgentRecordTests.waitUntilRecording(out + "/capture.pcapng")
            _ = try run("/usr/sbin/ip", ["netns", "exec", ns, "ping", "-c", "2", "-i", "0.2", "127.0.0.1"])
            p.waitUntilExit()
            stderr = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            #expect(p.terminationStatus == 0, "\(stderr)")
        }
        let kernel = try AgentRecordTests.manifest(out)["kernelEvents"] as? [String: Any]
        #expect(try AgentRecordTests.manifest(out)["packets"] as? Int == 4)
        if withBPF {
            #expect((kernel?["attached"] as? [String])?.count == 3 && (kernel?["unavailable"] as? [String]) == [])
            #expect(FileManager.default.fileExists(atPath: out + "/events.jsonl"))
        } else {
            #expect((kernel?["attached"] as? [String]) == [])
            #expect((kernel?["unavailable"] as? [String])?.first?.contains("CAP_BPF") == true)
            #expect(stderr.contains("kernel events: loading the tp_btf programs: Operation not permitted"), "\(stderr)")
            #expect(!FileManager.default.fileExists(atPath: out + "/events.jsonl"))
        }
    }

    /// Two agents on one kernel, each in a node namespace with two pods: each keeps its own
    /// node's and pods' events (the pods found through their veths), says how many of the
    /// other's it left out, and keeps none of them.
    @Test func twoAgentsKeepTheirOwnNamespaces() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-two-agents-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        let recorded = try run("/bin/bash", [Fixtures.path("gen/record-two-agents.sh"), Self.agent, out])
        #expect(recorded.status == 0, "\(recorded.stderr)")
        var inodes: [String: [String: Int]] = [:]
        for line in recorded.stdout.split(separator: "\n") where line.hasPrefix("netns ") {
            let f = line.split(separator: " ").map(String.init)
            if f.count == 4, let inode = Int(f[3]) { inodes[f[1], default: [:]][f[2]] = inode }
        }
        #expect(inodes["a"]?.count == 3 && inodes["b"]?.count == 3, "\(recorded.stdout)")
        for side in ["a", "b"] {
            let mine = Set(inodes[side]?.values.map { $0 } ?? [])
            var seen: [Int: Int] = [:]
            let header = try KernelEventLog.read(path: "\(out)/\(side)/events.jsonl") { e in
                seen[Int(e.netns), default: 0] += 1
            }
            #expect(header.complete)
            #expect(Set(seen.keys).isSubset(of: mine), "\(side): \(seen) outside \(mine)")
            // Both pods' sockets changed state: their namespaces were found through the veths.
            for role in ["c", "s"] { #expect(seen[inodes[side]?[role] ?? -1, default: 0] > 0, "\(side) \(role): \(seen)") }
            #expect(header.otherNamespaces > 0, "the other node's connections were left out")
            // The node's interfaces: the bridge, and a pod's veth for each pod, with the pod's
            // namespace (as the script saw it) and address (the script's plan: .2 c, .3 s).
            let data = try Data(contentsOf: URL(fileURLWithPath: "\(out)/\(side)/node-interfaces.json"))
            let table = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            let rows = table["interfaces"] as? [[String: Any]] ?? []
            #expect(rows.contains { $0["name"] as? String == "br0" && $0["role"] as? String == "bridge" })
            let subnet = side == "a" ? "10.82.0." : "10.83.0."
            for (role, host) in [("c", "2"), ("s", "3")] {
                let veth = rows.first { ($0["peerAddresses"] as? [String]) == [subnet + host] }
                #expect(veth?["role"] as? String == "pod" && veth?["master"] as? String == "br0", "\(side) \(role): \(rows)")
                #expect((veth?["peerNetns"] as? Int) == inodes[side]?[role], "\(side) \(role)")
            }
            #expect(BundleNode.podAddresses(in: "\(out)/\(side)").count == 2)
        }
    }
}
