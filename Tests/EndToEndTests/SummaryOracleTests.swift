import Foundation
import Testing
import _TestSupport

/// `loupe summary --format json` on real captures, against tshark 4.0 (two-pass):
/// packets, timestamps, frames per protocol, malformed frames, TCP conversations.
struct SummaryOracleTests {
    /// Layers whose frame counts must equal tshark's `frames_per_protocol`. DNS is left to
    /// the DNS analysis (issue 4): the summary only hints it by port.
    static let layers = [
        "eth", "vlan", "sll", "null", "nflog", "arp", "ip", "ipv6", "tcp", "udp", "icmp",
        "icmpv6", "vxlan", "geneve",
    ]

    /// Captures whose records are not in time order: Loupe reads a file of several
    /// interfaces in time order (`TimeReorder`), so its first timestamp is the earliest, where
    /// the oracle gives the first record's. Checked with `tshark -T fields -e frame.time_epoch`.
    static let earlierThanFirstRecord = [
        "pcapplusplus/many_interfaces-1.pcapng": "1439753725.701568"  // frame 3 (interface 10), 39 µs before frame 1
    ]

    static func check(capture: String, path: String, oracle: [String: Any]) throws {
        let (status, report) = try LoupeBinary.json(["summary", "--format", "json", "--rows", "100000", path])
        let tshark = oracle["tshark"] as? [String: Any] ?? [:]
        let damaged = (tshark["exit_status"] as? Int ?? 0) != 0
        #expect(status == (damaged ? 3 : 0), "\(capture): exit status")
        let input = try #require((report["inputs"] as? [[String: Any]])?.first)
        if capture != "gopacket/test202.pcapng" {  // pinned in CorpusOracleTests
            #expect(input["packets"] as? Int == oracle["packet_count"] as? Int, "\(capture)")
        }
        // Timestamps to the microsecond, compared as decimal text (JSON numbers are exact).
        let r = try LoupeBinary.run(["summary", "--format", "json", path])
        for (key, oracleKey) in [("firstTimestamp", "first_timestamp_epoch"), ("lastTimestamp", "last_timestamp_epoch")]
        where capture != "gopacket/test202.pcapng" {
            let ours = Self.rawNumber(key, in: r.stdout)
            let theirs =
                key == "firstTimestamp"
                ? Self.earlierThanFirstRecord[capture] ?? oracle[oracleKey] as? String
                : oracle[oracleKey] as? String
            #expect(ours.map(microseconds) == theirs.map(microseconds), "\(capture): \(key)")
        }
        #expect((input["damage"] is NSNull) != damaged, "\(capture): damage \(String(describing: input["damage"]))")

        let frames = oracle["frames"] as? [String: Any] ?? [:]
        let perProtocol = frames["frames_per_protocol"] as? [String: Int] ?? [:]
        let ours = report["layerFrames"] as? [String: Int] ?? [:]
        for layer in layers {
            #expect(ours[layer, default: 0] == perProtocol[layer, default: 0], "\(capture): frames with \(layer)")
        }
        let expert = oracle["expert"] as? [String: Any] ?? [:]
        // tshark's malformed count includes TCP reassembly errors (overlaps), which are
        // TCP analysis, not decoding; Loupe's counts decoding failures only.
        // The capture's own duplicates are counted once (CorpusCaptureDuplicates).
        let copies = CorpusCaptureDuplicates.captures[capture]
        let malformed =
            (expert["malformed_frames"] as? Int ?? 0) - (expert["reassembly_error_frames"] as? Int ?? 0)
            - (copies?.malformed ?? 0)
        #expect(report["malformedPackets"] as? Int == malformed, "\(capture): malformed frames")

        // TCP conversations: same endpoints (client first), packets and wire bytes per stream.
        let tcp = oracle["tcp"] as? [String: Any] ?? [:]
        let streams = (tcp["streams"] as? [[String: Any]] ?? []).map { s in
            let key = "\(bracketed(s["client"] as? String ?? "")) \(bracketed(s["server"] as? String ?? ""))"
            var (packets, bytes) = (s["packets"] as? Int ?? 0, s["bytes"] as? Int ?? 0)
            if let copies, copies.tcpStream == key { (packets, bytes) = (packets - copies.packets, bytes - copies.tcpBytes) }
            return "\(key) \(packets) \(bytes)"
        }
        let rows = ((report["conversations"] as? [String: Any])?["rows"] as? [[String: Any]] ?? [])
            .filter { $0["transport"] as? String == "tcp" }
            .map { "\($0["client"] ?? "") \($0["server"] ?? "") \($0["packets"] ?? 0) \($0["bytes"] ?? 0)" }
        #expect(rows.sorted() == streams.sorted(), "\(capture): TCP conversations")
    }

    /// The literal text of the first JSON number under `key` (nil for null), so that
    /// timestamps are compared without going through a Double.
    static func rawNumber(_ key: String, in json: String) -> String? {
        guard let inputs = json.range(of: "\"inputs\" : ["),
            let range = json[inputs.upperBound...].range(of: "\"\(key)\" : ")
        else { return nil }
        let rest = json[range.upperBound...]
        let value = rest.prefix { "0123456789.-".contains($0) }
        return value.isEmpty ? nil : String(value)
    }

    /// The oracle writes IPv6 endpoints as "addr:port"; Loupe's contract is "[addr]:port".
    static func bracketed(_ endpoint: String) -> String {
        guard endpoint.filter({ $0 == ":" }).count > 1, let colon = endpoint.lastIndex(of: ":") else { return endpoint }
        return "[" + endpoint[..<colon] + "]" + endpoint[colon...]
    }

    @Test(
        .enabled(if: Corpus.sharedRoot != nil, Comment(rawValue: Corpus.missingMessage)),
        arguments: Corpus.oracleCaptures())
    func corpus(_ capture: String) throws {
        try Self.check(capture: capture, path: Corpus.capturePath(capture), oracle: try Corpus.oracle(capture))
    }

    @Test(arguments: ["foundation/namespaces.pcapng"])
    func recordedFixtures(_ capture: String) throws {
        try Self.check(capture: capture, path: Fixtures.path("pcaps/" + capture), oracle: try Fixtures.oracle(capture))
    }

    /// The fixture's known contents: VXLAN-wrapped pod traffic is decapsulated and its
    /// conversation keyed by the inner addresses; the 3000-byte ping is reassembled.
    @Test func fixtureContents() throws {
        let (_, report) = try LoupeBinary.json([
            "summary", "--format", "json", Fixtures.path("pcaps/foundation/namespaces.pcapng"),
        ])
        let rows = ((report["conversations"] as? [String: Any])?["rows"] as? [[String: Any]]) ?? []
        #expect(rows.contains { $0["client"] as? String == "10.88.0.1:45384" && $0["server"] as? String == "10.88.0.2:8080" })
        #expect(
            rows.contains {
                $0["transport"] as? String == "tcp" && $0["server"] as? String == "10.77.0.2:9" && $0["packets"] as? Int == 2
            })
        let fragments = report["fragments"] as? [String: Int]
        #expect(fragments?["reassembled"] == 2)
        let input = (report["inputs"] as? [[String: Any]])?.first
        #expect(input?["captureDrops"] as? Int == 0)
        #expect(input?["linkTypes"] as? [String] == ["EN10MB"])
    }
}
