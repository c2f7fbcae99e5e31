import Foundation
import Testing
import _TestSupport

/// The command-line contract of `loupe summary`: exit statuses, formats, filter, merging.
struct SummaryCommandTests {
    static let fixture = Fixtures.path("pcaps/foundation/namespaces.pcapng")

    @Test func unreadableInputsExitTwo() throws {
        #expect(try LoupeBinary.run(["summary", "/nonexistent.pcap"]).status == 2)
        let text = temporaryFile(Array("not a capture at all".utf8))
        defer { try? FileManager.default.removeItem(atPath: text) }
        let r = try LoupeBinary.run(["summary", text])
        #expect(r.status == 2)
        #expect(r.stderr.contains(text) && r.stderr.contains("not a pcap or pcapng"))
    }

    @Test func usageErrorsExitTwo() throws {
        #expect(try LoupeBinary.run(["summary"]).status == 2)
        #expect(try LoupeBinary.run(["summary", "--format", "yaml", Self.fixture]).status == 2)
        #expect(try LoupeBinary.run(["nonsense"]).status == 2)
        let bad = try LoupeBinary.run(["summary", "--filter", "tcp port banana", Self.fixture])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("invalid filter"))
        #expect(try LoupeBinary.run(["--help"]).status == 0)
    }

    /// Damage: the file and byte offset on stderr, exit 3, and the report still written.
    @Test func damagedInputExitsThreeWithPartialReport() throws {
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: Self.fixture)))
        let cut = temporaryFile(Array(bytes.prefix(bytes.count - 100)))
        defer { try? FileManager.default.removeItem(atPath: cut) }
        let r = try LoupeBinary.run(["summary", "--format", "json", cut])
        #expect(r.status == 3)
        #expect(r.stderr.contains(cut) && r.stderr.contains("damaged at byte"))
        let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        let input = (json?["inputs"] as? [[String: Any]])?.first
        #expect((input?["packets"] as? Int ?? 0) > 60)
        #expect((input?["damage"] as? [String: Any])?["offset"] as? Int != nil)
    }

    /// The BPF filter keeps exactly the packets tcpdump keeps.
    @Test(
        .enabled(if: FileManager.default.fileExists(atPath: "/usr/bin/tcpdump")),
        arguments: ["tcp", "udp port 53", "icmp or icmp6", "host 10.77.0.2 and tcp port 8080", "vlan"])
    func filterAgreesWithTcpdump(_ expression: String) throws {
        let (status, json) = try LoupeBinary.json(["summary", "--format", "json", "--filter", expression, Self.fixture])
        #expect(status == 0)
        let dump = try run("/usr/bin/tcpdump", ["-n", "-r", Self.fixture, expression])
        let expected = dump.stdout.split(separator: "\n").count
        #expect(json["matchedPackets"] as? Int == expected, "filter \(expression)")
        #expect(json["filter"] as? String == expression)
    }

    /// Same input, same bytes: no wall-clock time, no hash order leaks into output.
    @Test(arguments: ["json", "text"])
    func outputIsDeterministic(_ format: String) throws {
        let a = try LoupeBinary.run(["summary", "--format", format, Self.fixture])
        let b = try LoupeBinary.run(["summary", "--format", format, Self.fixture])
        #expect(a.status == 0)
        #expect(a.stdout == b.stdout)
        #expect(!a.stdout.isEmpty)
    }

    /// Two files are merged in time order: totals add up and conversations join across files.
    @Test func mergesInputs() throws {
        var w1 = _TestSupport_PcapPair.first, w2 = _TestSupport_PcapPair.second
        let f1 = temporaryFile(w1), f2 = temporaryFile(w2)
        defer {
            try? FileManager.default.removeItem(atPath: f1)
            try? FileManager.default.removeItem(atPath: f2)
        }
        w1 = []; w2 = []
        let (status, json) = try LoupeBinary.json(["summary", "--format", "json", f1, f2])
        #expect(status == 0)
        #expect(json["packets"] as? Int == 4)
        let conversations = json["conversations"] as? [String: Any]
        #expect(conversations?["total"] as? Int == 1, "one UDP conversation spread over both files")
        let row = (conversations?["rows"] as? [[String: Any]])?.first
        #expect(row?["client"] as? String == "10.0.0.1:1000")
        #expect(row?["packets"] as? Int == 4)
    }

    @Test func textOutputAndRowCap() throws {
        let r = try LoupeBinary.run(["summary", "--rows", "2", Self.fixture])
        #expect(r.status == 0)
        #expect(r.stdout.contains("Packets:        73"))
        #expect(r.stdout.contains("Protocol hierarchy"))
        #expect(r.stdout.contains("... 16 more conversations"))
        let out = NSTemporaryDirectory() + "loupe-out-\(UUID().uuidString).json"
        defer { try? FileManager.default.removeItem(atPath: out) }
        #expect(try LoupeBinary.run(["summary", "--format", "json", "-o", out, Self.fixture]).status == 0)
        #expect(FileManager.default.fileExists(atPath: out))
    }
}

/// Two pcap files whose packets interleave in time (file 1 at t=1,3; file 2 at t=2,4).
enum _TestSupport_PcapPair {
    static func packet(_ forward: Bool) -> [UInt8] {
        let a: [UInt8] = [10, 0, 0, 1], b: [UInt8] = [10, 0, 0, 2]
        let udp = forward ? Frames.udp(sport: 1000, dport: 2000, [1, 2, 3]) : Frames.udp(sport: 2000, dport: 1000, [4, 5, 6])
        return Frames.ethernet(type: 0x0800, Frames.ipv4(src: forward ? a : b, dst: forward ? b : a, proto: 17, udp))
    }
    static let first = Frames.pcapFile(records: [(1, 0, packet(true), nil), (3, 0, packet(true), nil)])
    static let second = Frames.pcapFile(records: [(2, 0, packet(false), nil), (4, 0, packet(false), nil)])
}
