import Foundation
import Testing
import _TestSupport

/// Bundles packed as archives: the Retina sample tarball read directly (its one folder, or the
/// same entries at the archive's top level), `.tar.zst`, and hostile archives refused.
struct BundleArchiveTests {
    static func tar(_ args: [String], in dir: String) throws {
        let r = try run("/usr/bin/env", ["tar"] + args, in: dir)
        #expect(r.status == 0, "\(r.stderr)")
    }

    static func workDir(_ name: String) -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-archive-\(getpid())-\(name)").path
        try? FileManager.default.removeItem(atPath: dir)
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test(.enabled(if: Corpus.sharedRoot != nil, Comment(rawValue: Corpus.missingMessage)))
    func retinaTarball() throws {
        let samples = Corpus.sharedRoot!.appendingPathComponent("samples").path
        let name = try #require(try FileManager.default.contentsOfDirectory(atPath: samples).first { $0.hasSuffix(".tar.gz") })
        let archive = samples + "/" + name
        let dir = Self.workDir("retina")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Self.tar(["xzf", archive], in: dir)
        let stem = String(name.dropLast(".tar.gz".count))
        let pcap = dir + "/" + stem + "/" + stem + ".pcap"
        let direct = try LoupeBinary.json(["summary", "--format", "json", pcap]).json
        let packed = try LoupeBinary.json(["summary", "--format", "json", archive])
        #expect(
            packed.status == 0 && packed.json["packets"] as? Int == direct["packets"] as? Int
                && (direct["packets"] as? Int ?? 0) > 0)
        let report = try LoupeBinary.json(["report", "--format", "json", "--pods", samples + "/kubectl-list.json", archive])
        let pods = (report.json["pods"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
        #expect(report.status == 0 && pods.contains("api-6c7d8f9b5d-2xkqp"))
        // Without metadata, the capture's own node: its name from the capture's name, its
        // addresses from ip-resources.txt (`ip -d -j addr show`), the pod IP it shares named.
        let alone = try LoupeBinary.json(["report", "--format", "json", archive]).json
        let attribution = alone["attribution"] as? [String: Any]
        let nodes = attribution?["nodes"] as? [[String: Any]] ?? []
        #expect(nodes.count == 1 && nodes.first?["name"] as? String == "aks-nodepool1-41844487-vmss000000")
        #expect(nodes.first?["addresses"] as? [String] == ["10.224.0.5"])
        #expect((attribution?["resolvedPackets"] as? Int ?? 0) > 100)
        let summaryNodes = packed.json["nodes"] as? [[String: Any]] ?? []
        #expect(summaryNodes.first?["name"] as? String == "aks-nodepool1-41844487-vmss000000", "loupe summary names it too")
        // With metadata the pod keeps its address; the metadata's own node is not doubled.
        let together = (report.json["attribution"] as? [String: Any])?["nodes"] as? [[String: Any]] ?? []
        #expect(together.allSatisfy { !($0["addresses"] as? [String] ?? []).contains("10.224.0.5") }, "\(together)")
        // The same entries at the archive's top level, and as .tar.zst.
        let flat = dir + "/flat.tar.zst"
        try Self.tar(["--zstd", "-cf", flat, "-C", dir + "/" + stem, "."], in: dir)
        let again = try LoupeBinary.json(["summary", "--format", "json", flat])
        #expect(again.status == 0 && again.json["packets"] as? Int == direct["packets"] as? Int)
    }

    /// A bundle whose manifest names its node with control characters and whose node state
    /// is absurdly large: the name is escaped in the text, the big file is not read.
    @Test func hostileNodeFacts() throws {
        let dir = Self.workDir("node")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.copyItem(atPath: Fixtures.path("pcaps/dns/search-path.pcapng"), toPath: dir + "/capture.pcapng")
        try #"{"schema": "loupe.bundle/1", "node": "evil\u001b[31mnode"}"#.write(
            toFile: dir + "/manifest.json", atomically: true, encoding: .utf8)
        let big = FileManager.default.createFile(atPath: dir + "/node-addresses.json", contents: nil)
        #expect(big)
        let handle = try #require(FileHandle(forWritingAtPath: dir + "/node-addresses.json"))
        try handle.truncate(atOffset: 64 << 20)  // sparse: 64 MB claimed, nothing allocated
        try handle.close()
        let text = try LoupeBinary.run(["summary", dir])
        #expect(
            text.status == 0 && !text.stdout.contains("\u{1b}") && text.stdout.contains("Node: evil"),
            "\(text.stdout.prefix(300))")
        let json = try LoupeBinary.json(["summary", "--format", "json", dir])
        let nodes = json.json["nodes"] as? [[String: Any]] ?? []
        #expect(nodes.first?["name"] as? String == "evil\u{1b}[31mnode" && (nodes.first?["addresses"] as? [String]) == [])
    }

    @Test func hostileArchivesAreRefused() throws {
        let dir = Self.workDir("hostile")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let capture = Fixtures.path("pcaps/dns/search-path.pcapng")
        for (name, member) in [("escape.tar", "../../escape.pcapng"), ("climb.tar", "a/../../../escape.pcapng")] {
            let script = "import tarfile,sys\nwith tarfile.open(sys.argv[1], 'w') as t: t.add(sys.argv[2], arcname=sys.argv[3])"
            let made = try run("/usr/bin/env", ["python3", "-c", script, dir + "/" + name, capture, member])
            #expect(made.status == 0, "\(made.stderr)")
            let r = try LoupeBinary.run(["summary", dir + "/" + name])
            #expect(r.status == 2 && r.stderr.contains("would leave the bundle: refused"), "\(name): \(r.stderr)")
        }
        try Self.tar(
            ["-cf", dir + "/good.tar", "-C", (capture as NSString).deletingLastPathComponent, "search-path.pcapng"], in: dir)
        let whole = try Data(contentsOf: URL(fileURLWithPath: dir + "/good.tar"))
        try whole.prefix(2000).write(to: URL(fileURLWithPath: dir + "/cut.tar"))
        let cut = try LoupeBinary.run(["summary", dir + "/cut.tar"])
        #expect(cut.status == 2 && cut.stderr.contains("cut short"), "\(cut.stderr)")
        #expect(try LoupeBinary.run(["summary", dir + "/good.tar"]).status == 0)
    }
}
