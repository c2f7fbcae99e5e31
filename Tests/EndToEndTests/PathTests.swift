import Foundation
import Testing
import _TestSupport

/// The path between observation points (issue 25): two nodes' captures of the same traffic,
/// recorded by `fixtures/gen/record-path.sh` with a delay relay on a same-node hop (12 ms each
/// way) and on the cross-node wire (20 ms each way), node-2 dropping one in 20 of the server's
/// segments after routing them (an nftables counter), and node-2's capture also shifted 80 ms
/// (`shifted/`). Truth by construction: `truth.json` (the counter, the delays, the shift) and
/// the relays' per-frame logs; never Loupe's own output.
struct PathTests {
    static let dir = "pcaps/path/"

    static func report(_ names: String...) throws -> [String: Any] {
        let (status, json) = try LoupeBinary.json(
            ["report", "--format", "json", "--rows", "100000"]
                + names.map { Fixtures.path(dir + $0) })
        #expect(status == 0)
        return json
    }

    static func truth() throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: Fixtures.path(dir + "truth.json")))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    /// The relay's median delay in one direction (seconds), from its log.
    static func relayMedian(_ log: String, _ direction: String) throws -> Double {
        let text = try String(contentsOfFile: Fixtures.path(dir + log), encoding: .utf8)
        let delays = text.split(separator: "\n").compactMap { line -> Double? in
            guard let o = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                o["direction"] as? String == direction, let read = o["read"] as? Int, let sent = o["sent"] as? Int
            else { return nil }
            return Double(sent - read) / 1e9
        }.sorted()
        #expect(delays.count > 300)
        return delays[delays.count / 2]
    }

    static func hops(_ r: [String: Any]) -> [[String: Any]] {
        ((r["path"] as? [String: Any])?["hops"] as? [String: Any])?["rows"] as? [[String: Any]] ?? []
    }

    static func hop(_ r: [String: Any], _ from: String, _ to: String) throws -> [String: Any] {
        try #require(hops(r).first { $0["from"] as? String == from && $0["to"] as? String == to }, "\(from) -> \(to)")
    }

    static func p50(_ hop: [String: Any]) -> Double { (hop["delay"] as? [String: Any])?["p50"] as? Double ?? -1 }

    /// Every dropped segment located at its hop (node-2:br0 -> node-2:eth0), per flow, and
    /// nowhere else; the finding names the place.
    @Test func dropsAreLocatedAtTheirHop() throws {
        let r = try Self.report("node-1.pcapng.gz", "node-2.pcapng.gz")
        let dropped = try #require(try Self.truth()["dropped"] as? Int)
        #expect(dropped >= 10)
        let path = try #require(r["path"] as? [String: Any])
        let losses = (path["losses"] as? [String: Any])?["rows"] as? [[String: Any]] ?? []
        #expect(losses.reduce(0) { $0 + ($1["packets"] as? Int ?? 0) } == dropped)
        #expect(losses.allSatisfy { $0["from"] as? String == "node-2:br0" && $0["to"] as? String == "node-2:eth0" })
        #expect(losses.allSatisfy { $0["server"] as? String == "10.80.2.2:80" })
        #expect(try Self.hop(r, "node-2:br0", "node-2:eth0")["lost"] as? Int == dropped)
        #expect(Self.hops(r).filter { $0["lost"] as? Int != 0 }.count == 1)
        #expect(path["unverified"] as? Int == 0)
        let findings = r["findings"] as? [[String: Any]] ?? []
        let loss = try #require(findings.first { $0["id"] as? String == "path.loss" })
        #expect(loss["title"] as? String == "\(dropped) packets lost between node-2:br0 and node-2:eth0")
    }

    /// Hop delays within 1 ms of the relays' logs: the same-node hop both ways, and the
    /// cross-node hop both ways; the same-node hop's 12 ms is a finding, the wire's 20 ms is
    /// not (symmetric, it cannot be told from a clock offset: within the alignment error).
    @Test func hopDelaysMatchTheRelays() throws {
        let r = try Self.report("node-1.pcapng.gz", "node-2.pcapng.gz")
        for (from, to, log, direction) in [
            ("node-1:veth-a", "node-1:br0", "node-relay.jsonl", "ab"),
            ("node-1:br0", "node-1:veth-a", "node-relay.jsonl", "ba"),
            ("node-1:eth0", "node-2:eth0", "wire-relay.jsonl", "ab"),
            ("node-2:eth0", "node-1:eth0", "wire-relay.jsonl", "ba"),
        ] {
            let want = try Self.relayMedian(log, direction)
            let got = Self.p50(try Self.hop(r, from, to))
            #expect(abs(got - want) <= 0.001, "\(from) -> \(to): \(got) s, the relay's median \(want) s")
        }
        let findings = r["findings"] as? [[String: Any]] ?? []
        let delay = findings.filter { $0["id"] as? String == "path.delay" }
        #expect(delay.count == 1)
        #expect((delay.first?["title"] as? String)?.contains("between node-1:") == true)
        // Hops inside a node without a relay take microseconds.
        #expect(Self.p50(try Self.hop(r, "node-2:veth-b", "node-2:br0")) < 0.0005)
    }

    /// node-2's clock 80 ms ahead (more than the wire's 20 ms) and 3.5 s ahead (past the
    /// sightings window): its offset within 1 ms of the shift, node-2's records read on
    /// node-1's clock (`ClockPrescan`), so the wire's hop is there both ways as without a
    /// shift, and its delay, corrected by the offset, still the relay's within 1 ms.
    @Test(arguments: [("shifted", "shiftSeconds"), ("shifted-far", "farShiftSeconds")])
    func clockOffsetIsTheShift(_ folder: String, _ truthKey: String) throws {
        let r = try Self.report("node-1.pcapng.gz", folder + "/node-2.pcapng.gz")
        let shift = try #require(try Self.truth()[truthKey] as? Double)
        let nodes = ((r["sightings"] as? [String: Any])?["nodes"] as? [String: Any])?["rows"] as? [[String: Any]] ?? []
        let node2 = try #require(nodes.first { $0["name"] as? String == "node-2" })
        let offset = try #require(node2["clockOffset"] as? Double)
        #expect(abs(offset - shift) <= 0.001, "\(offset) s vs \(shift) s")
        for (from, to, way) in [("node-1:eth0", "node-2:eth0", "ab"), ("node-2:eth0", "node-1:eth0", "ba")] {
            let wire = try Self.relayMedian("wire-relay.jsonl", way)
            #expect(abs(Self.p50(try Self.hop(r, from, to)) - wire) <= 0.001, "\(from) -> \(to)")
        }
        // The same hops, with the same packets, as the unshifted captures give.
        let same = try Self.report("node-1.pcapng.gz", "node-2.pcapng.gz")
        func crossings(_ r: [String: Any]) -> [String] {
            Self.hops(r).map { "\($0["from"] ?? "") \($0["to"] ?? "") \($0["packets"] ?? "") \($0["lost"] ?? "")" }.sorted()
        }
        #expect(crossings(r) == crossings(same))
        // Unshifted: the same clock, offset 0 within 1 ms.
        let unshifted = ((same["sightings"] as? [String: Any])?["nodes"] as? [String: Any])?["rows"] as? [[String: Any]] ?? []
        #expect(abs(unshifted.first { $0["name"] as? String == "node-2" }?["clockOffset"] as? Double ?? 1) <= 0.001)
    }

    /// Six points, each packet counted once: TCP as the client's veth alone saw it (the
    /// dropped segments never reached it; each resend counted once).
    @Test(arguments: [
        ["node-1.pcapng.gz", "node-2.pcapng.gz"], ["node-1.pcapng.gz", "shifted/node-2.pcapng.gz"],
        ["node-1.pcapng.gz", "shifted-far/node-2.pcapng.gz"],
    ])
    func countedOnceAsTheClientsPointSawIt(_ names: [String]) throws {
        let both = try Self.report(names[0], names[1])
        let single = try Self.report("single.pcapng.gz")
        for key in ["connections", "retransmissions", "duplicateAcks", "outOfOrder", "lostSegments"] {
            #expect(
                (both["tcp"] as? [String: Any])?[key] as? Int == (single["tcp"] as? [String: Any])?[key] as? Int, "tcp.\(key)")
        }
        #expect((both["sightings"] as? [String: Any])?["distinctPackets"] as? Int == single["packets"] as? Int)
    }

    /// node-2 as a bundle with the kernel events loupe-agent recorded meanwhile (the recording's
    /// second argument): each flow's losses joined with the kernel's drops of that flow
    /// (nftables' drops are NETFILTER_DROP), one drop event per lost segment.
    @Test func lossesJoinTheKernelsDrops() throws {
        let r = try Self.report("node-1.pcapng.gz", "node-2-bundle")
        let dropped = try #require(try Self.truth()["dropped"] as? Int)
        let losses = ((r["path"] as? [String: Any])?["losses"] as? [String: Any])?["rows"] as? [[String: Any]] ?? []
        #expect(losses.reduce(0) { $0 + ($1["packets"] as? Int ?? 0) } == dropped)
        for row in losses {
            let reasons = row["kernelReasons"] as? [String: Int] ?? [:]
            #expect(reasons["NETFILTER_DROP"] == row["packets"] as? Int, "\(row)")
            #expect(reasons["OTHERHOST"] == nil, "a promiscuous capture's drops say nothing of the path")
        }
        #expect(r["kernel"] is [String: Any])
    }

    /// The same bytes cut differently at two points, as GRO on a receiving node does
    /// (`make-sightings.py gro`: the server's veth capture, and a second node where runs of
    /// the server's segments arrive merged, up to four in one): matched by sequence range
    /// (`SegmentRanges`), TCP is counted as the flow's point saw it (the merged segments, at
    /// the client's side), equal to the server's own capture; every packet of that point is
    /// analysed once, every other sighting is an extra one, and nothing is lost on the hop.
    @Test(
        .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/tshark")),
        .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/python3")))
    func groCutsKeepTheCounts() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-gro-\(getpid())").path
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let server = dir + "/server.pcapng"
        let cut = try run(
            "/usr/bin/tshark",
            ["-r", Fixtures.path(Self.dir + "node-2.pcapng.gz"), "-Y", "frame.interface_name == \"veth-b\"", "-w", server])
        #expect(cut.status == 0, "\(cut.stderr)")
        let script = Corpus.packageRoot.appendingPathComponent("fixtures/gen/make-sightings.py").path
        let made = try run("/usr/bin/python3", [script, "gro", server, dir, "10.80.2.2", "5", "4"])
        #expect(made.status == 0, "\(made.stderr)")
        let merged = Int(made.stderr.split(separator: " ").dropFirst().first ?? "") ?? 0
        #expect(merged > 20, "\(made.stderr)")
        func report(_ paths: [String]) throws -> [String: Any] {
            let (status, json) = try LoupeBinary.json(["report", "--format", "json"] + paths)
            #expect(status == 0)
            return json
        }
        let both = try report([dir + "/node-a.pcapng", dir + "/node-b.pcapng"])
        let alone = try report([server]), second = try report([dir + "/node-b.pcapng"])
        for key in ["connections", "retransmissions", "duplicateAcks", "outOfOrder"] {
            #expect(
                (both["tcp"] as? [String: Any])?[key] as? Int == (alone["tcp"] as? [String: Any])?[key] as? Int, "tcp.\(key)")
        }
        let sightings = both["sightings"] as? [String: Any] ?? [:]
        #expect(sightings["distinctPackets"] as? Int == second["packets"] as? Int)
        #expect(
            (sightings["distinctPackets"] as? Int ?? 0) + (sightings["extraSightings"] as? Int ?? 0)
                == both["packets"] as? Int)
        let path = both["path"] as? [String: Any] ?? [:]
        #expect(((path["losses"] as? [String: Any])?["total"] as? Int) == 0, "\(path)")
        #expect(Self.hops(both).allSatisfy { $0["lost"] as? Int == 0 })
    }

    /// node-2's bundle with its clock 3.5 s ahead, capture and kernel events alike
    /// (`shifted-far/node-2-bundle/`): its events are shifted with its packets, so each event's
    /// time is the unshifted bundle's within 1 ms, and the losses still join the kernel's drops.
    @Test func kernelEventsShiftWithTheirNode() throws {
        func eventTimes(_ bundle: String) throws -> [Double] {
            let (status, out, _) = try LoupeBinary.run(
                ["report", "--format", "ndjson", Fixtures.path(Self.dir + "node-1.pcapng.gz"), Fixtures.path(Self.dir + bundle)])
            #expect(status == 0)
            return out.split(separator: "\n").compactMap { line in
                guard let o = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                    o["record"] as? String == "kernelEvent"
                else { return nil }
                return o["timestamp"] as? Double
            }
        }
        let shifted = try eventTimes("shifted-far/node-2-bundle"), plain = try eventTimes("node-2-bundle")
        #expect(shifted.count == plain.count && plain.count > 1_000)
        #expect(zip(shifted, plain).allSatisfy { abs($0 - $1) <= 0.001 })
        let r = try Self.report("node-1.pcapng.gz", "shifted-far/node-2-bundle")
        let losses = ((r["path"] as? [String: Any])?["losses"] as? [String: Any])?["rows"] as? [[String: Any]] ?? []
        let joined = losses.reduce(0) { $0 + (($1["kernelReasons"] as? [String: Int])?["NETFILTER_DROP"] ?? 0) }
        #expect(joined == (try Self.truth()["dropped"] as? Int))
    }

    /// The same traffic over a VXLAN tunnel between the nodes (`OVERLAY=vxlan`,
    /// fixtures/pcaps/path-vxlan/): eth0 sees each pod packet inside VXLAN, and its outer and
    /// inner headers are one packet with the vxlan0 and veth sightings. Every drop is located
    /// between node-2:br0 and node-2:vxlan0, and TCP counts equal the client's veth alone; so
    /// too with node-2's clock 3.5 s ahead (`shifted-far/`), which is found within 1 ms.
    @Test(arguments: ["node-2.pcapng.gz", "shifted-far/node-2.pcapng.gz"])
    func vxlanOuterAndInnerAreOnePacket(_ node2: String) throws {
        let (status, r) = try LoupeBinary.json([
            "report", "--format", "json", "--rows", "100000",
            Fixtures.path("pcaps/path-vxlan/node-1.pcapng.gz"),
            Fixtures.path("pcaps/path-vxlan/" + node2),
        ])
        #expect(status == 0)
        let truthData = try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("pcaps/path-vxlan/truth.json")))
        let truth = try #require(try JSONSerialization.jsonObject(with: truthData) as? [String: Any])
        let dropped = try #require(truth["dropped"] as? Int)
        let losses = ((r["path"] as? [String: Any])?["losses"] as? [String: Any])?["rows"] as? [[String: Any]] ?? []
        #expect(losses.reduce(0) { $0 + ($1["packets"] as? Int ?? 0) } == dropped)
        #expect(losses.allSatisfy { $0["from"] as? String == "node-2:br0" && $0["to"] as? String == truth["dropTo"] as? String })
        // The wire's hop carries the tunnelled packets, matched to the inner ones.
        let wire = try Self.hop(r, "node-1:eth0", "node-2:eth0")
        #expect((wire["packets"] as? Int ?? 0) > 300)
        let nodes = ((r["sightings"] as? [String: Any])?["nodes"] as? [String: Any])?["rows"] as? [[String: Any]] ?? []
        let offset = try #require(nodes.first { $0["name"] as? String == "node-2" }?["clockOffset"] as? Double)
        #expect(abs(offset - (node2.hasPrefix("shifted-far") ? 3.5 : 0)) <= 0.001, "\(offset)")
        let single = try LoupeBinary.json(["report", "--format", "json", Fixtures.path("pcaps/path-vxlan/single.pcapng.gz")]).json
        for key in ["connections", "retransmissions", "duplicateAcks", "outOfOrder", "lostSegments"] {
            #expect((r["tcp"] as? [String: Any])?[key] as? Int == (single["tcp"] as? [String: Any])?[key] as? Int, "tcp.\(key)")
        }
    }
}
