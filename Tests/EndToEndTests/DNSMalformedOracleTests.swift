import Foundation
import Testing
import _TestSupport

/// DNS messages broken after their header (fixtures/gen/make-dns-malformed.py: compression
/// loop, reserved label type, cut by the snaplen in the answer and in the question, a
/// question that runs past the message, a bare header, a cut response inside VXLAN in
/// Geneve, a 6-byte datagram, an extended rcode) against tshark 4.0's answers on the same
/// file. The header's facts count and pair whenever its 12 bytes are there. Where Loupe and
/// tshark differ, each difference is pinned here with its reason.
struct DNSMalformedOracleTests {
    static let capture = "dns/malformed.pcap"

    @Test func countsAgainstTShark() throws {
        let oracle = try Fixtures.oracle(Self.capture)
        let expected = try #require(oracle["dns"] as? [String: Any])
        let (_, report) = try LoupeBinary.json([
            "report", "--format", "json", "--rows", "1000",
            Fixtures.path("pcaps/" + Self.capture),
        ])
        let dns = try #require(report["dns"] as? [String: Any])

        // Pin 1: the 6-byte datagram to port 53 (frame 17). tshark reads an ID and flags from
        // its first 4 bytes and counts a query, unanswered; Loupe needs the 12-byte header to
        // call a message a query (its counts are not there), and counts it malformed.
        // Pin 2: frames 11 and 12, a query and its response whose question runs past the
        // message. tshark's dissector throws in the query's question before it opens its
        // transaction, so the response (same conversation and ID, 2 ms later) pairs with
        // nothing; Loupe opens the transaction from the header and pairs them.
        #expect(dns["queries"] as? Int == (expected["queries"] as? Int ?? 0) - 1)
        #expect(dns["responses"] as? Int == expected["responses"] as? Int)
        #expect(dns["unanswered"] as? Int == (expected["unanswered_excluding_retransmissions"] as? Int ?? 0) - 2)
        #expect(dns["unanswered"] as? Int == 0)

        // Pin 3: the BADVERS response: tshark counts the header's 4 rcode bits (NOERROR),
        // Loupe the 12-bit rcode with the OPT record's upper 8 (RFC 6891), as for BADCOOKIE
        // in the corpus.
        var rcodes = expected["rcode_counts"] as? [String: Int] ?? [:]
        rcodes["NOERROR", default: 0] -= 1
        rcodes["BADVERS"] = 1
        #expect((dns["rcodes"] as? [String: Int]) == rcodes)

        // Pin 4: tshark counts the type of a question that did not parse as "None"; Loupe
        // counts question types only where there is one.
        var qtypes = expected["qtype_counts"] as? [String: Int] ?? [:]
        qtypes["None"] = nil
        #expect((dns["qtypes"] as? [String: Int]) == qtypes)

        // Pin 5: every response pairs, and its latency is the time it arrived: tshark pairs
        // the cut and malformed responses (response_in on their queries) but adds no dns.time
        // once a response's body throws, so its answered-with-time count is lower.
        let theirs = (expected["transactions"] as? [[String: Any]] ?? [])
        let paired = theirs.filter { $0["response_frame"] as? Int != nil }.count
        let rows = ((dns["transactionList"] as? [String: Any])?["rows"] as? [[String: Any]]) ?? []
        let latencies = rows.compactMap { $0["latency"] as? Double }
        #expect(latencies.count == paired + 1)  // + frames 11/12 (pin 2)
        #expect(latencies.allSatisfy { abs($0 - 0.002) < 1e-6 })

        // Cut by the capture (frames 8, 10, 16): truncatedMessages, not malformed. Malformed:
        // the reserved label type (6), the question past the end (11, 12), the bare header
        // (14), the 6-byte datagram (17); and the compression loop (4), which tshark shows as
        // an expert note on a frame it does not call malformed (pin 6: a pointer to itself
        // breaks RFC 1035 4.1.4, so Loupe calls the message malformed).
        #expect(dns["truncatedMessages"] as? Int == 3)
        let tsharkMalformed = (oracle["expert"] as? [String: Any])?["malformed_frames"] as? Int
        #expect(dns["malformed"] as? Int == (tsharkMalformed ?? 0) + 1)
        #expect(dns["malformed"] as? Int == 6)
    }
}
