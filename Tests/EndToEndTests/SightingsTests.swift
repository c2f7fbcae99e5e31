import Foundation
import Testing
import _TestSupport

/// One packet, many sightings (issue 25): a capture that saw each packet several times
/// (several interfaces, the capture's own copies, before and after NAT) reports what a
/// capture at one point reports. Truth by construction: `fixtures/gen/make-sightings.py`
/// copies a recorded capture (nothing was resent), `fixtures/gen/record-sightings.sh`
/// recorded one node's traffic at one point and at several at once.
struct SightingsTests {
    static let python = FileManager.default.fileExists(atPath: "/usr/bin/python3")

    /// `make-sightings.py MODE IN OUT [ARG]` into a temporary file.
    static func derived(_ mode: String, from fixture: String, _ extra: [String] = []) throws -> String {
        let out = temporaryFile([], suffix: ".pcapng")
        let script = Corpus.packageRoot.appendingPathComponent("fixtures/gen/make-sightings.py").path
        let r = try run("/usr/bin/python3", [script, mode, Fixtures.path(fixture), out] + extra)
        #expect(r.status == 0, "\(r.stderr)")
        return out
    }

    static func report(_ paths: String...) throws -> [String: Any] { try report(Array(paths)) }

    static func report(_ paths: [String]) throws -> [String: Any] {
        let (status, json) = try LoupeBinary.json(["report", "--format", "json", "--rows", "100000"] + paths)
        #expect(status == 0)
        return json
    }

    /// The report without what tells the inputs apart (their names, sizes, sightings).
    /// The report but what depends on how many copies the file holds: its counts of frames,
    /// and frame numbers (a finding's evidence, a connection's retransmitted frames).
    static func analyses(_ report: [String: Any]) -> NSDictionary {
        var r = report
        for key in ["inputs", "packets", "bytes", "matchedPackets", "sightings", "path"] { r[key] = nil }
        r["findings"] = (report["findings"] as? [[String: Any]] ?? []).filter { $0["id"] as? String != "capture.duplicates" }
            .map { f -> [String: Any] in
                var f = f
                if var e = f["evidence"] as? [String: Any] { e["frames"] = nil; f["evidence"] = e }
                return f
            }
        if var tcp = r["tcp"] as? [String: Any], var flows = tcp["flows"] as? [String: Any] {
            flows["rows"] = (flows["rows"] as? [[String: Any]] ?? []).map { row in
                var row = row
                row["retransmittedFrames"] = nil
                return row
            }
            tcp["flows"] = flows
            r["tcp"] = tcp
        }
        return r as NSDictionary
    }

    static func sightings(_ report: [String: Any]) -> [String: Any] { report["sightings"] as? [String: Any] ?? [:] }

    /// Every packet twice at the same microsecond on one interface: the same report, each
    /// copy counted as a capture duplicate and said in a finding.
    @Test(.enabled(if: python)) func captureDuplicatesCountOnce() throws {
        let original = try Self.report(Fixtures.path("pcaps/healthy/clients.pcapng"))
        let doubled = try Self.report(try Self.derived("duplicate", from: "pcaps/healthy/clients.pcapng"))
        #expect(Self.analyses(doubled) == Self.analyses(original))
        let s = Self.sightings(doubled)
        #expect(s["captureDuplicates"] as? Int == original["packets"] as? Int)
        #expect(s["extraSightings"] as? Int == 0)
        #expect(s["distinctPackets"] as? Int == original["packets"] as? Int)
        let ids = (doubled["findings"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
        #expect(ids.contains("capture.duplicates"))
        #expect(original["sightings"] == nil, "one point, no copies: no sightings section")
    }

    /// Each packet on a veth and, 20 µs later, on the bridge, with real retransmissions in
    /// the traffic (the impaired diff fixture): every resend stays one, nothing else is one.
    @Test(.enabled(if: python)) func twoInterfacesKeepRealRetransmissions() throws {
        let original = try Self.report(Fixtures.path("pcaps/diff/impaired.pcapng"))
        let seenTwice = try Self.report(try Self.derived("points", from: "pcaps/diff/impaired.pcapng"))
        let tcp = original["tcp"] as? [String: Any] ?? [:]
        #expect(tcp["retransmissions"] as? Int ?? 0 > 0, "the fixture has resends")
        #expect(Self.analyses(seenTwice) == Self.analyses(original))
        let s = Self.sightings(seenTwice)
        // Every IP packet once more (the fixture's two ARP frames are not matched).
        #expect(s["extraSightings"] as? Int == s["distinctPackets"] as? Int)
        #expect(s["distinctPackets"] as? Int == (original["packets"] as? Int ?? 0) - 2)
        #expect(s["captureDuplicates"] as? Int == 0)
        let points = (s["points"] as? [String: Any])?["rows"] as? [[String: Any]] ?? []
        #expect(points.compactMap { $0["interface"] as? String } == ["veth1", "br0"])
    }

    /// One node recorded at a's veth alone and, at the same time, at a's veth, the bridge
    /// and b's veth (three interface blocks; and -i any as Linux cooked v2), with a Service
    /// DNATed by the node: the same DNS, TCP and TLS results as the single point, each NAT
    /// view joined (10 DNS lookups and 8 HTTP connections through the Service).
    @Test(arguments: ["points.pcapng", "any-sll2.pcapng"])
    func nodeCaptureEqualsOnePoint(_ capture: String) throws {
        let single = try Self.report(Fixtures.path("pcaps/sightings/single.pcapng"))
        let many = try Self.report(Fixtures.path("pcaps/sightings/" + capture))
        let s = Self.sightings(many)
        #expect(s["distinctPackets"] as? Int == single["packets"] as? Int, "the single capture holds IP packets only")
        #expect(s["natPairs"] as? Int == 18)
        #expect(s["captureDuplicates"] as? Int == 0)
        #expect((s["points"] as? [String: Any])?["total"] as? Int == 3)
        for section in ["dns", "tcp", "tls"] {
            let a = Self.counts(single[section]), b = Self.counts(many[section])
            #expect(a == b, "\(capture): \(section)")
        }
        #expect((many["findings"] as? [Any])?.isEmpty == true, "\(String(describing: many["findings"]))")
        // Latencies: the analysed point is each flow's first; a tie of timestamps at the
        // bridge and the veth may put a flow's first packets at the bridge (docs/sightings.md).
        let la = ((single["dns"] as? [String: Any])?["latency"] as? [String: Any])?["p50"] as? Double ?? 0
        let lb = ((many["dns"] as? [String: Any])?["latency"] as? [String: Any])?["p50"] as? Double ?? 1
        #expect(abs(la - lb) < 0.0001, "DNS p50 \(la) vs \(lb)")
    }

    /// A Retina capture taken with `--file-count` (`<stem>.pcap0` ... `<stem>.pcapN`) in a
    /// directory: read as one capture's rotation, in order, one observation point.
    @Test(.enabled(if: python)) func rotatedFilesAreOneCapture() throws {
        let dir = temporaryFile([], suffix: ".d")
        try FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let script = Corpus.packageRoot.appendingPathComponent("fixtures/gen/make-sightings.py").path
        let r = try run(
            "/usr/bin/python3",
            [
                script, "rotate", Fixtures.path("pcaps/healthy/clients.pcapng"),
                dir + "/node-1", "11",
            ])
        #expect(r.status == 0, "\(r.stderr)")
        let original = try Self.report(Fixtures.path("pcaps/healthy/clients.pcapng"))
        let rotated = try Self.report(dir)
        let inputs = (rotated["inputs"] as? [[String: Any]] ?? []).compactMap { $0["path"] as? String }
        #expect(inputs == (0...10).map { dir + "/node-1.pcap\($0)" }, "rotation order: pcap2 before pcap10")
        #expect(rotated["sightings"] == nil, "one node, one interface")
        #expect(Self.analyses(rotated) == Self.analyses(original))
    }

    /// Files that follow one another in time, whatever their names, are one capture's
    /// rotation: one point, the report the single file's; files whose times overlap are
    /// separate points (the path fixture's two nodes).
    @Test func consecutiveFilesAreOneCapture() throws {
        let dir = temporaryFile([], suffix: ".d")
        try FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let original = Fixtures.path("pcaps/healthy/clients.pcapng")
        // editcap -c 40: first.pcapng holds the first 40 records, the rest follow.
        let r = try run("/usr/bin/editcap", ["-c", "40", original, dir + "/part.pcapng"])
        #expect(r.status == 0, "\(r.stderr)")
        let parts = try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
        #expect(parts.count >= 2)
        let names = ["zeta.pcapng", "alpha.pcapng", "mid.pcapng", "omega.pcapng", "beta.pcapng", "gamma.pcapng"]
        var given: [String] = []
        for (i, part) in parts.enumerated() {
            let name = dir + "/" + names[i % names.count] + String(i)
            try FileManager.default.moveItem(atPath: dir + "/" + part, toPath: name)
            given.append(name)
        }
        let split = try Self.report(given.reversed())
        #expect(split["sightings"] == nil, "one point: \(String(describing: split["sightings"]))")
        #expect(Self.analyses(split) == Self.analyses(try Self.report(original)))
    }

    /// A bundle's node names its captures' points (loupe-agent's manifest), not the file.
    @Test func bundleNamesTheNode() throws {
        let dir = temporaryFile([], suffix: ".d")
        try FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.copyItem(atPath: Fixtures.path("pcaps/path/node-2.pcapng.gz"), toPath: dir + "/capture.pcapng.gz")
        try Data(#"{"schema":"loupe.bundle/1","node":"worker-7"}"#.utf8).write(to: URL(fileURLWithPath: dir + "/manifest.json"))
        let r = try Self.report(Fixtures.path("pcaps/path/node-1.pcapng.gz"), dir)
        let points = ((Self.sightings(r)["points"] as? [String: Any])?["rows"] as? [[String: Any]] ?? []).compactMap {
            $0["id"] as? String
        }
        #expect(
            Set(points) == ["node-1:veth-a", "node-1:br0", "node-1:eth0", "worker-7:eth0", "worker-7:br0", "worker-7:veth-b"])
    }

    /// With pod metadata each pod's veth is named by its pod (record-sightings.sh: a's veth is
    /// the node's first, b's the second; pods.json holds their addresses), the bridge by none
    /// (it carries both pods' packets), from pcapng interface blocks and from cooked v2 alike.
    @Test(arguments: ["points.pcapng", "any-sll2.pcapng"])
    func podsNameTheirVeths(_ capture: String) throws {
        let (status, r) = try LoupeBinary.json([
            "report", "--format", "json", "--pods", Fixtures.path("pcaps/sightings/pods.json"),
            Fixtures.path("pcaps/sightings/" + capture),
        ])
        #expect(status == 0)
        let rows = ((Self.sightings(r)["points"] as? [String: Any])?["rows"] as? [[String: Any]]) ?? []
        let named = rows.compactMap { $0["pod"] as? String }
        #expect(named.sorted() == ["default/client-a", "default/web-b"], "\(rows)")
        // The point of the client's first packet (its veth) is the client's.
        let first = rows.first { ($0["id"] as? String)?.hasSuffix(capture == "points.pcapng" ? "-h1" : ":if55") == true }
        #expect(first?["pod"] as? String == "default/client-a")
    }

    /// A bundle whose agent wrote what each interface is (`node-interfaces.json`): a veth's
    /// pod is the one behind it by the agent's table, before the address its packets share.
    /// The table here names web-b's address behind the client's veth (as a node would where a
    /// pod's address moved): the point follows the table; without it, the traffic.
    @Test func theAgentsTableNamesTheVethsPod() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-pod-veths-\(getpid())").path
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.copyItem(
            atPath: Fixtures.path("pcaps/sightings/points.pcapng"), toPath: dir + "/capture.pcapng")
        try Data(#"{"schema": "loupe.bundle/1", "node": "node1"}"#.utf8).write(to: URL(fileURLWithPath: dir + "/manifest.json"))
        func pods() throws -> [String: String] {
            let (status, r) = try LoupeBinary.json([
                "report", "--format", "json", "--pods", Fixtures.path("pcaps/sightings/pods.json"), dir,
            ])
            #expect(status == 0)
            let rows = ((Self.sightings(r)["points"] as? [String: Any])?["rows"] as? [[String: Any]]) ?? []
            return Dictionary(rows.compactMap { row in (row["pod"] as? String).map { ((row["id"] as? String) ?? "", $0) } }) {
                a, _ in a
            }
        }
        #expect(try pods()["node1:ls3693-h1"] == "default/client-a")
        let table = """
            {"schema": "loupe.node-interfaces/1", "interfaces": [
             {"index": 7, "name": "ls3693-h1", "kind": "veth", "master": "br0", "role": "pod", "addresses": [],
              "peerNetns": 4026532001, "peerAddresses": ["10.79.0.3"]},
             {"index": 2, "name": "br0", "kind": "bridge", "master": null, "role": "bridge", "addresses": ["10.79.0.1"],
              "peerNetns": null, "peerAddresses": []}]}
            """
        try Data(table.utf8).write(to: URL(fileURLWithPath: dir + "/node-interfaces.json"))
        let named = try pods()
        #expect(named["node1:ls3693-h1"] == "default/web-b", "\(named)")
        #expect(named["node1:ls3693-h2"] == "default/web-b")
    }

    /// A section's integer counts (top level): what a node capture must not change.
    static func counts(_ section: Any?) -> [String: Int] {
        (section as? [String: Any] ?? [:]).compactMapValues { $0 as? Int }
    }

    /// Two nodes' captures of the same traffic (`make-sightings.py nodes`): every IPv4 packet
    /// seen at node b 5 µs along its path (one hop, TTL one less; less than half the capture's
    /// shortest round trip, so that b, the server's side, still sees each request before its
    /// answer), b's clock X ahead of a's. The offset is X within 1 µs, its error bound the 5 µs
    /// one-way delay (half the round trip, as constructed), and each packet counted once.
    @Test(.enabled(if: python), arguments: [2500, -2500])
    func clockOffsetBetweenNodes(_ x: Int) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-nodes-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let script = Corpus.packageRoot.appendingPathComponent("fixtures/gen/make-sightings.py").path
        let single = Fixtures.path("pcaps/sightings/single.pcapng")
        let r = try run("/usr/bin/python3", [script, "nodes", single, dir, "10.79.0.2", String(x), "5"])
        #expect(r.status == 0, "\(r.stderr)")
        let report = try Self.report(dir + "/node-a.pcapng", dir + "/node-b.pcapng")
        let nodes = ((Self.sightings(report)["nodes"] as? [String: Any])?["rows"] as? [[String: Any]]) ?? []
        #expect(nodes.count == 2)
        let reference = try #require(nodes.first { $0["clockOffset"] as? Double == 0 })
        let other = try #require(nodes.first { $0["name"] as? String != reference["name"] as? String })
        let want = (other["name"] as? String == "node-b" ? 1.0 : -1.0) * Double(x) / 1e6
        let got = try #require(other["clockOffset"] as? Double)
        #expect(abs(got - want) <= 1e-6, "\(got) s vs \(want) s")
        #expect(abs((other["clockOffsetError"] as? Double ?? -1) - 0.000005) <= 1e-6)
        // Counted once, and the reports are the single capture's either way: b's clock is off
        // by more than the path's delay, so b's records are read shifted onto a's clock
        // (`ClockPrescan`); without that, with b behind, b saw every packet first and its
        // flows were analysed there.
        let alone = try Self.report(single)
        #expect(Self.analyses(report) == Self.analyses(alone))
    }

    /// The same capture given as two files: two nodes by default (each packet an extra
    /// sighting at the second), one point with `--same-point` (a mergecap-like merge: each
    /// packet a capture duplicate); counted once either way.
    @Test func samePointMergesTheInputs() throws {
        let single = Fixtures.path("pcaps/sightings/single.pcapng")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-same-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for name in ["node-x", "node-y"] { try FileManager.default.copyItem(atPath: single, toPath: dir + "/\(name).pcapng") }
        let files = [dir + "/node-x.pcapng", dir + "/node-y.pcapng"]
        let alone = try Self.report(single)
        let distinct = Self.sightings(try Self.report(single, single))["distinctPackets"] as? Int ?? -1
        let nodes = Self.sightings(try Self.report(files[0], files[1]))
        #expect(nodes["extraSightings"] as? Int == distinct && nodes["captureDuplicates"] as? Int == 0)
        #expect((nodes["points"] as? [String: Any])?["total"] as? Int == 2)
        let (status, merged) = try LoupeBinary.json(["report", "--format", "json", "--rows", "100000", "--same-point"] + files)
        #expect(status == 0)
        let m = Self.sightings(merged)
        #expect(m["captureDuplicates"] as? Int == distinct && m["extraSightings"] as? Int == 0)
        #expect((m["points"] as? [String: Any])?["total"] as? Int == 1)
        #expect(Self.analyses(merged) == Self.analyses(alone))
    }
}
