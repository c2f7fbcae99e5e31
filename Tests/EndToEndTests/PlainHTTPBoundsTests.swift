import Foundation
import Testing
import _TestSupport

/// The cleartext HTTP reader's bounds (`PlainHTTPConnections`, docs/bounds.md), each driven
/// past: connections read at once, and bytes of requests and buffers held over them.
struct PlainHTTPBoundsTests {
    struct Segment {
        var sport: UInt16, dport: UInt16, seq: UInt32, ack: UInt32, payload: [UInt8]
    }

    /// `count` connections from 10.9.x.y, each a SYN (unless `handshake` is false) and one
    /// client segment (never answered, never closed) of `request` bytes.
    static func capture(count: Int, request: [UInt8], handshake: Bool = true) -> String {
        var records: [(seconds: UInt32, fraction: UInt32, data: [UInt8], original: Int?)] = []
        for i in 0..<count {
            let src: [UInt8] = [10, 9, UInt8(i >> 8), UInt8(i & 0xFF)]
            let port = UInt16(20_000 + i % 40_000)
            let syn = Frames.tcp(sport: port, dport: 8080, seq: 0, flags: 0x02)
            let tcp = Frames.tcp(sport: port, dport: 8080, seq: 1, ack: 1, flags: 0x18, request)
            let segments = handshake ? [syn, tcp] : [tcp]
            for (n, segment) in segments.enumerated() {
                let frame = Frames.ethernet(type: 0x0800, Frames.ipv4(src: src, dst: [10, 8, 0, 1], proto: 6, segment))
                records.append((1_800_000_000, UInt32(2 * i + n), frame, nil))
            }
        }
        return temporaryFile(Frames.pcapFile(records: records))
    }

    /// Requests with no handshake seen and no answer are no conversation: not read.
    @Test func oneSidedRequestsWithoutAHandshakeAreNotRead() throws {
        let path = Self.capture(count: 50, request: Array("GET /items/1 HTTP/1.1\r\nHost: shop\r\n\r\n".utf8), handshake: false)
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(try Self.report(path)["http"] == nil)
    }

    /// A capture that began mid-connection: joined at the server's first status line, the
    /// requests after it read and answered.
    @Test func midConnectionIsJoinedAtAResponse() throws {
        let (c, s): ([UInt8], [UInt8]) = ([10, 9, 0, 1], [10, 8, 0, 1])
        let response = Array("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".utf8)
        let request = Array("GET /items/2 HTTP/1.1\r\nHost: shop\r\n\r\n".utf8)
        let segments: [([UInt8], [UInt8], Segment)] = [
            (s, c, Segment(sport: 8080, dport: 40_000, seq: 500, ack: 100, payload: response)),
            (c, s, Segment(sport: 40_000, dport: 8080, seq: 100, ack: 500 + UInt32(response.count), payload: request)),
            (
                s, c,
                Segment(
                    sport: 8080, dport: 40_000, seq: 500 + UInt32(response.count), ack: 100 + UInt32(request.count),
                    payload: response)
            ),
        ]
        let records = segments.enumerated().map { n, x in
            (
                seconds: UInt32(1_800_000_000), fraction: UInt32(n * 1000),
                data: Frames.ethernet(
                    type: 0x0800,
                    Frames.ipv4(
                        src: x.0, dst: x.1, proto: 6,
                        Frames.tcp(
                            sport: x.2.sport, dport: x.2.dport, seq: x.2.seq, ack: x.2.ack,
                            flags: 0x18, x.2.payload))), original: Int?.none
            )
        }
        let path = temporaryFile(Frames.pcapFile(records: records))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let http = try #require(try Self.report(path)["http"] as? [String: Any])
        let rows = (http["requestList"] as? [String: Any])?["rows"] as? [[String: Any]] ?? []
        #expect(rows.map { "\($0["path"] ?? "") \($0["status"] ?? "")" } == ["/items/2 200"])
    }

    static func report(_ path: String) throws -> [String: Any] {
        let (status, json) = try LoupeBinary.json(["report", "--format", "json", path])
        #expect(status == 0)
        return json
    }

    /// One connection past `maximumLive`: not read, said; the others' requests counted.
    @Test func connectionsPastTheLiveBoundAreNotRead() throws {
        let path = Self.capture(count: 1001, request: Array("GET /items/1 HTTP/1.1\r\nHost: shop\r\n\r\n".utf8))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let json = try Self.report(path)
        #expect((json["http"] as? [String: Any])?["requests"] as? Int == 1000)
        let warnings = json["warnings"] as? [String] ?? []
        #expect(warnings.contains("1 cleartext HTTP connections not read: more than 1000 open at once"), "\(warnings)")
    }

    /// Header blocks that never end (6 KB each, buffered): past 4 MiB over the connections
    /// the ones that grow stop being read, and the report says how many.
    @Test func heldBytesPastTheirBoundStopConnections() throws {
        let head = "GET /items/1 HTTP/1.1\r\nX-Pad: " + String(repeating: "a", count: 6000) + "\r\n"
        let path = Self.capture(count: 1000, request: Array(head.utf8))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let json = try Self.report(path)
        let warnings = json["warnings"] as? [String] ?? []
        let said = warnings.first {
            $0.hasSuffix("cleartext HTTP connections stopped being read: more than 4 MiB of requests and buffers held over all")
        }
        let stopped = said.flatMap { Int($0.prefix { $0.isNumber }) } ?? 0
        // Each connection read holds 6 KB at least (its buffer's capacity more): 4 MiB holds
        // at most 699 of them, so 301 or more are stopped, and not all.
        #expect(stopped >= 1000 - (4 << 20) / 6000 && stopped < 1000, "\(warnings)")
    }
}
