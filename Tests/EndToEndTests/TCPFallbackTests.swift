import Foundation
import Testing
import _TestSupport

/// A truncated UDP answer followed by the same question over TCP (RFC 7766 5): counted as a
/// fallback, timed from the UDP query to the TCP answer; a retry that comes too late or goes
/// to another server is not one.
struct TCPFallbackTests {
    static let client: [UInt8] = [10, 0, 0, 5], server: [UInt8] = [10, 96, 0, 10], other: [UInt8] = [10, 96, 0, 11]

    static func dns(id: UInt16, response: Bool, truncated: Bool = false) -> [UInt8] {
        let flags: UInt16 = response ? (truncated ? 0x8380 : 0x8180) : 0x0100
        let question = [3] + Array("api".utf8) + [0, 0, 1, 0, 1]
        return Frames.be16(id) + Frames.be16(flags) + [0, 1, 0, 0, 0, 0, 0, 0] + question
    }

    static func udp(_ src: [UInt8], _ dst: [UInt8], _ sport: UInt16, _ dport: UInt16, _ payload: [UInt8]) -> [UInt8] {
        Frames.ethernet(type: 0x0800, Frames.ipv4(src: src, dst: dst, proto: 17, Frames.udp(sport: sport, dport: dport, payload)))
    }

    static func tcp(
        _ src: [UInt8], _ dst: [UInt8], _ sport: UInt16, _ dport: UInt16, seq: UInt32, ack: UInt32,
        flags: UInt8, _ payload: [UInt8] = []
    ) -> [UInt8] {
        Frames.ethernet(
            type: 0x0800,
            Frames.ipv4(
                src: src, dst: dst, proto: 6,
                Frames.tcp(sport: sport, dport: dport, seq: seq, ack: ack, flags: flags, payload)))
    }

    /// UDP query at `t`, TC answer 10 ms later, then a TCP connection to `tcpServer` opened
    /// `retryAfter` seconds after the answer, whose answer comes 30 ms after its query.
    static func capture(retryAfter: Double, tcpServer: [UInt8]) -> String {
        var records: [(seconds: UInt32, fraction: UInt32, data: [UInt8], original: Int?)] = []
        func at(_ seconds: Double, _ data: [UInt8]) {
            records.append((UInt32(seconds), UInt32(((seconds - floor(seconds)) * 1e6).rounded()), data, nil))
        }
        let t = 1_000.0, r = t + 0.010, q = r + retryAfter
        at(t, udp(client, server, 40000, 53, dns(id: 7, response: false)))
        at(r, udp(server, client, 53, 40000, dns(id: 7, response: true, truncated: true)))
        let query = dns(id: 8, response: false), answer = dns(id: 8, response: true)
        let framedQuery = Frames.be16(UInt16(query.count)) + query, framedAnswer = Frames.be16(UInt16(answer.count)) + answer
        at(q, tcp(client, tcpServer, 41000, 53, seq: 100, ack: 0, flags: 0x02))
        at(q + 0.001, tcp(tcpServer, client, 53, 41000, seq: 500, ack: 101, flags: 0x12))
        at(q + 0.002, tcp(client, tcpServer, 41000, 53, seq: 101, ack: 501, flags: 0x18, framedQuery))
        at(
            q + 0.032,
            tcp(tcpServer, client, 53, 41000, seq: 501, ack: 101 + UInt32(framedQuery.count), flags: 0x18, framedAnswer))
        return temporaryFile(Frames.pcapFile(records: records), suffix: ".pcap")
    }

    static func dnsSection(_ path: String) throws -> [String: Any] {
        let (status, report) = try LoupeBinary.json(["report", "--format", "json", path])
        #expect(status == 0)
        return try #require(report["dns"] as? [String: Any])
    }

    @Test func retryWithinTheTimerIsAFallback() throws {
        let dns = try Self.dnsSection(Self.capture(retryAfter: 0.5, tcpServer: Self.server))
        #expect(dns["transactions"] as? Int == 2 && dns["truncatedResponses"] as? Int == 1)
        #expect(dns["truncatedRetriedOverTcp"] as? Int == 1)
        let latency = try #require(dns["tcpFallbackLatency"] as? [String: Any])
        // 10 ms to the TC answer, 500 ms to the retry, 2 ms to the query, 30 ms to the answer.
        #expect(latency["count"] as? Int == 1)
        #expect(abs((latency["max"] as? Double ?? 0) - 0.542) < 0.001)
    }

    @Test func lateOrElsewhereIsNot() throws {
        for path in [Self.capture(retryAfter: 6, tcpServer: Self.server), Self.capture(retryAfter: 0.5, tcpServer: Self.other)] {
            let dns = try Self.dnsSection(path)
            #expect(dns["transactions"] as? Int == 2 && dns["truncatedResponses"] as? Int == 1)
            #expect(dns["truncatedRetriedOverTcp"] as? Int == 0)
            #expect((dns["tcpFallbackLatency"] as? [String: Any])?["count"] as? Int == 0)
        }
    }
}
