import Foundation
import Testing
import _TestSupport

/// `loupe report`'s `dns` section against tshark 4.0's answers for every corpus capture:
/// message counts, rcodes and qtypes, unanswered transactions (a query and its
/// retransmissions counted once), and each matched transaction's latency within 1 µs.
struct ReportDNSOracleTests {
    /// Deliberate or not-yet-built differences, each with its reason.
    static let pinned: [String: String] = [:]

    /// Captures whose responses carry an EDNS0 extended rcode.
    static let extendedRcodes: [String: (header: String, full: String)] = [
        "tcpdump/dns-badcookie.pcap": ("YXRRSET", "BADCOOKIE")
    ]

    /// From tshark's transactions: each truncated UDP answer followed within 5 s by a TCP
    /// query for the same question (the corpus captures have one client and one server per
    /// question), and the lookup's time from the UDP query to the TCP answer.
    static func tcpFallbacks(_ transactions: [[String: Any]]) -> (count: Int, latencies: [Double]) {
        func time(_ t: [String: Any]) -> Double { Double(t["request_time_epoch"] as? String ?? "") ?? 0 }
        func question(_ t: [String: Any]) -> String { "\((t["qname"] as? String ?? "").lowercased())/\(t["qtype"] ?? "")" }
        var count = 0
        var latencies: [Double] = []
        var used = Set<Int>()
        for udp in transactions where udp["transport"] as? String == "udp" && udp["response_truncated_flag"] as? Bool == true {
            guard let rt = udp["response_time_s"] as? Double else { continue }
            let answeredAt = time(udp) + rt
            guard
                let (i, tcp) = transactions.enumerated().first(where: { i, t in
                    !used.contains(i) && t["transport"] as? String == "tcp" && question(t) == question(udp)
                        && time(t) >= answeredAt && time(t) - answeredAt <= 5
                })
            else { continue }
            used.insert(i)
            count += 1
            if let tcpTime = tcp["response_time_s"] as? Double { latencies.append(time(tcp) + tcpTime - time(udp)) }
        }
        return (count, latencies)
    }

    /// The corpus's one TC answer retried over TCP, so the fallback comparison is not vacuous.
    @Test(.enabled(if: Corpus.sharedRoot != nil, "needs ../shared"))
    func corpusHasAFallback() throws {
        let oracle = try Corpus.oracle("chrissanders/dns_tcp.pcapng")
        let fallback = Self.tcpFallbacks((oracle["dns"] as? [String: Any])?["transactions"] as? [[String: Any]] ?? [])
        #expect(fallback.count == 1 && fallback.latencies.count == 1)
    }

    static func check(_ capture: String, path: String, oracle: [String: Any]) throws {
        let expected = oracle["dns"] as? [String: Any] ?? [:]
        let (_, report) = try LoupeBinary.json(["report", "--format", "json", "--rows", "100000", path])
        let dns = try #require(report["dns"] as? [String: Any], "\(capture)")
        #expect(dns["queries"] as? Int == expected["queries"] as? Int, "\(capture): queries")
        #expect(dns["responses"] as? Int == expected["responses"] as? Int, "\(capture): responses")
        #expect(
            dns["unanswered"] as? Int == expected["unanswered_excluding_retransmissions"] as? Int,
            "\(capture): unanswered")
        var expectedRcodes = expected["rcode_counts"] as? [String: Int] ?? [:]
        if let extended = Self.extendedRcodes[capture] {
            // tshark counts the header's 4 rcode bits; Loupe the 12-bit rcode RFC 6891 defines
            // (header bits plus the OPT record's upper 8): BADCOOKIE (23), whose low bits read
            // YXRRSET (7). The oracle must still show the 4-bit reading.
            #expect(expectedRcodes[extended.header] != nil, "\(capture): oracle changed")
            expectedRcodes[extended.full] = expectedRcodes.removeValue(forKey: extended.header)
        }
        #expect((dns["rcodes"] as? [String: Int] ?? [:]) == expectedRcodes, "\(capture): rcodes")
        #expect(
            (dns["qtypes"] as? [String: Int] ?? [:]) == (expected["qtype_counts"] as? [String: Int] ?? [:]),
            "\(capture): qtypes")
        let theirs = (expected["transactions"] as? [[String: Any]] ?? []).compactMap { $0["response_time_s"] as? Double }.sorted()
        let rows = ((dns["transactionList"] as? [String: Any])?["rows"] as? [[String: Any]]) ?? []
        let ours = rows.compactMap { $0["latency"] as? Double }.sorted()
        #expect(ours.count == theirs.count, "\(capture): answered transactions \(ours.count) vs \(theirs.count)")

        // Breakdowns account for every transaction; NXDOMAIN names match tshark's answers.
        for group in ["byServer", "byClient", "byName"] {
            let rows = ((dns[group] as? [String: Any])?["rows"] as? [[String: Any]]) ?? []
            #expect(
                rows.reduce(0) { $0 + ($1["transactions"] as? Int ?? 0) } == dns["transactions"] as? Int,
                "\(capture): \(group) covers every transaction")
        }
        var nx: [String: Int] = [:]
        for t in expected["transactions"] as? [[String: Any]] ?? []
        where t["rcode_name"] as? String == "NXDOMAIN" && t["request_retransmission"] as? Bool != true {
            nx[t["qname"] as? String ?? "", default: 0] += 1
        }
        let topNX = ((dns["topNXDOMAIN"] as? [String: Any])?["rows"] as? [[String: Any]]) ?? []
        #expect(
            Dictionary(uniqueKeysWithValues: topNX.map { ($0["name"] as? String ?? "", $0["count"] as? Int ?? 0) }) == nx,
            "\(capture): NXDOMAIN names")
        #expect(dns["truncatedResponses"] as? Int == expected["truncated_responses"] as? Int, "\(capture): truncated")
        let fallback = Self.tcpFallbacks(expected["transactions"] as? [[String: Any]] ?? [])
        #expect(dns["truncatedRetriedOverTcp"] as? Int == fallback.count, "\(capture): retried over TCP")
        let fallbackLatency = dns["tcpFallbackLatency"] as? [String: Any]
        #expect(fallbackLatency?["count"] as? Int == fallback.latencies.count, "\(capture): fallback lookups")
        if let max = fallback.latencies.max() {
            #expect(abs((fallbackLatency?["max"] as? Double ?? 0) - max) < 1e-6, "\(capture): fallback latency")
        }
        for (a, b) in zip(ours, theirs) where abs(a - b) > 1e-6 {
            Issue.record("\(capture): latency \(a) vs tshark \(b)")
            break
        }
    }

    @Test(
        .enabled(if: Corpus.sharedRoot != nil, Comment(rawValue: Corpus.missingMessage)),
        arguments: Corpus.oracleCaptures().filter { pinned[$0] == nil && $0 != "gopacket/test202.pcapng" })
    func corpus(_ capture: String) throws {
        try Self.check(capture, path: Corpus.capturePath(capture), oracle: try Corpus.oracle(capture))
    }

    @Test(arguments: ["foundation/namespaces.pcapng", "dns/search-path.pcapng", "dns/host-search.pcapng"])
    func recordedFixtures(_ capture: String) throws {
        try Self.check(capture, path: Fixtures.path("pcaps/" + capture), oracle: try Fixtures.oracle(capture))
    }
}
