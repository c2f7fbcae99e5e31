import Foundation
import Testing
import _TestSupport

/// `loupe report --format json` against tshark 4.0's per-capture TCP answers: every total,
/// and per stream (matched by client and server) every counter and the initial RTT
/// within 1 µs.
struct ReportTCPOracleTests {
    /// Oracle total key -> report key.
    static let totals = [
        ("retransmissions", "retransmissions"), ("fast_retransmissions", "fastRetransmissions"),
        ("spurious_retransmissions", "spuriousRetransmissions"), ("out_of_order", "outOfOrder"),
        ("duplicate_acks", "duplicateAcks"), ("zero_window", "zeroWindows"), ("lost_segment", "lostSegments"),
        ("resets", "resets"), ("ack_lost_segment", "ackedUnseenSegments"), ("keep_alive", "keepAlives"),
        ("window_full", "windowFull"), ("zero_window_probes", "zeroWindowProbes"),
    ]
    static let perFlow = [
        ("retransmissions", "retransmissions"), ("fast_retransmissions", "fastRetransmissions"),
        ("spurious_retransmissions", "spuriousRetransmissions"), ("out_of_order", "outOfOrder"),
        ("duplicate_acks", "duplicateAcks"), ("zero_window", "zeroWindows"), ("lost_segment", "lostSegments"),
        ("resets", "resets"), ("packets", "packets"), ("bytes", "bytes"), ("payload_bytes", "payloadBytes"),
    ]

    static func check(_ capture: String, path: String, oracle: [String: Any]) throws {
        let (_, report) = try LoupeBinary.json(["report", "--format", "json", "--rows", "100000", path])
        // The capture's own duplicates are counted once (CorpusCaptureDuplicates).
        let copies = CorpusCaptureDuplicates.captures[capture]
        let sightings = report["sightings"] as? [String: Any]
        #expect(sightings?["captureDuplicates"] as? Int ?? 0 == copies?.packets ?? 0, "\(capture): \(copies?.why ?? "no copies")")
        let tcp = try #require(report["tcp"] as? [String: Any], "\(capture)")
        let expected = oracle["tcp"] as? [String: Any] ?? [:]
        let expectedTotals = expected["totals"] as? [String: Any] ?? [:]
        #expect(tcp["connections"] as? Int == expected["stream_count"] as? Int, "\(capture): connections")
        for (o, r) in totals {
            #expect(tcp[r] as? Int == expectedTotals[o] as? Int, "\(capture): tcp.\(r)")
        }
        let rows = ((tcp["flows"] as? [String: Any])?["rows"] as? [[String: Any]]) ?? []
        var byEndpoints: [String: [[String: Any]]] = [:]
        for row in rows { byEndpoints["\(row["client"] ?? "") \(row["server"] ?? "")", default: []].append(row) }
        for stream in expected["streams"] as? [[String: Any]] ?? [] {
            let key =
                "\(SummaryOracleTests.bracketed(stream["client"] as? String ?? "")) \(SummaryOracleTests.bracketed(stream["server"] as? String ?? ""))"
            // A reused 5-tuple has several streams: match by first timestamp among them.
            let first = (stream["first_time_epoch"] as? String).map(microseconds)
            let candidates = byEndpoints[key] ?? []
            guard
                let row = candidates.first(where: { c in
                    candidates.count == 1 || (c["firstTimestamp"] as? NSNumber).map { microseconds("\($0)") } == first
                        || (c["firstTimestamp"] as? Double).map { microseconds(String(format: "%.6f", $0)) } == first
                })
            else {
                Issue.record("\(capture): no TCP row for stream \(stream["stream"] ?? "?") \(key)")
                continue
            }
            for (o, r) in perFlow {
                var theirs = stream[o] as? Int
                if let copies, copies.tcpStream == key, r == "packets" || r == "bytes" {
                    theirs? -= r == "packets" ? copies.packets : copies.tcpBytes
                }
                #expect(row[r] as? Int == theirs, "\(capture) stream \(stream["stream"] ?? "?"): \(r)")
            }
            let ours = row["initialRtt"] as? Double
            let theirs = stream["initial_rtt_s"] as? Double
            #expect((ours == nil) == (theirs == nil), "\(capture) stream \(stream["stream"] ?? "?"): initialRtt presence")
            if let ours, let theirs {
                #expect(
                    abs(ours - theirs) < 1e-6, "\(capture) stream \(stream["stream"] ?? "?"): initialRtt \(ours) vs \(theirs)")
            }
        }
    }

    @Test(
        .enabled(if: Corpus.sharedRoot != nil, Comment(rawValue: Corpus.missingMessage)),
        arguments: Corpus.oracleCaptures().filter { $0 != "gopacket/test202.pcapng" })
    func corpus(_ capture: String) throws {
        try Self.check(capture, path: Corpus.capturePath(capture), oracle: try Corpus.oracle(capture))
    }

    @Test(arguments: ["foundation/namespaces.pcapng", "dns/search-path.pcapng"])
    func recordedFixtures(_ capture: String) throws {
        try Self.check(capture, path: Fixtures.path("pcaps/" + capture), oracle: try Fixtures.oracle(capture))
    }
}
