import Foundation
import Testing
import _TestSupport

/// The cleartext HTTP reader's bounds (`PlainHTTPConnections`, docs/bounds.md), each driven
/// past: connections read at once, and bytes of requests and buffers held over them.
struct PlainHTTPBoundsTests {
    /// `count` connections from 10.9.x.y, each one client segment (never answered, never
    /// closed) of `request` bytes.
    static func capture(count: Int, request: [UInt8]) -> String {
        var records: [(seconds: UInt32, fraction: UInt32, data: [UInt8], original: Int?)] = []
        for i in 0 ..< count {
            let src: [UInt8] = [10, 9, UInt8(i >> 8), UInt8(i & 0xFF)]
            let tcp = Frames.tcp(sport: UInt16(20_000 + i % 40_000), dport: 8080, seq: 1, ack: 1, flags: 0x18, request)
            let frame = Frames.ethernet(type: 0x0800, Frames.ipv4(src: src, dst: [10, 8, 0, 1], proto: 6, tcp))
            records.append((1_800_000_000, UInt32(i), frame, nil))
        }
        return temporaryFile(Frames.pcapFile(records: records))
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
        let said = warnings.first { $0.hasSuffix("cleartext HTTP connections stopped being read: more than 4 MiB of requests and buffers held over all") }
        let stopped = said.flatMap { Int($0.prefix { $0.isNumber }) } ?? 0
        // Each connection read holds 6 KB at least (its buffer's capacity more): 4 MiB holds
        // at most 699 of them, so 301 or more are stopped, and not all.
        #expect(stopped >= 1000 - (4 << 20) / 6000 && stopped < 1000, "\(warnings)")
    }
}
