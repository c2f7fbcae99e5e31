@testable import Analyzer
import Dissectors
import NIOCore
import NIOHPACK
import Testing

/// HTTP/2 read from a connection's bytes: streams paired, interleaved, header blocks over
/// CONTINUATION, and each bound (requests per connection, frame buffer, a header block HPACK
/// cannot decode). Recorded traffic is checked against tshark in `APIRequestsTests`.
struct HTTP2ConversationTests {
    struct Peer {
        var encoder = HPACKEncoder(allocator: ByteBufferAllocator())
        mutating func headers(_ h: [(String, String)], stream: UInt32, endStream: Bool, split: Bool = false) -> [UInt8] {
            var buffer = ByteBuffer()
            try! encoder.encode(headers: HPACKHeaders(h), to: &buffer)
            let block = Array(buffer.readableBytesView)
            guard split, block.count > 2 else { return Self.frame(1, flags: (endStream ? 1 : 0) | 4, stream, block) }
            let half = block.count / 2
            return Self.frame(1, flags: endStream ? 1 : 0, stream, Array(block[..<half]))
                + Self.frame(9, flags: 4, stream, Array(block[half...]))
        }

        static func frame(_ type: UInt8, flags: UInt8, _ stream: UInt32, _ payload: [UInt8]) -> [UInt8] {
            let n = payload.count
            return [
                UInt8(n >> 16 & 0xFF), UInt8(n >> 8 & 0xFF), UInt8(n & 0xFF), type, flags,
                UInt8(stream >> 24), UInt8(stream >> 16 & 0xFF), UInt8(stream >> 8 & 0xFF), UInt8(stream & 0xFF),
            ] + payload
        }
    }

    static func feed(_ c: inout HTTP2Conversation, client: Bool, _ bytes: [UInt8], at time: Int64) {
        bytes.withUnsafeBytes { raw in
            if client { c.client(ByteSlice(raw), time: time) } else { c.server(ByteSlice(raw), time: time) }
        }
    }

    @Test func interleavedStreamsArePaired() {
        var c = HTTP2Conversation(), client = Peer(), server = Peer()
        let request = { (path: String) in [(":method", "GET"), (":path", path), (":scheme", "https"), (":authority", "x")] }
        var bytes = HTTP2Conversation.preface + Peer.frame(4, flags: 0, 0, [])
        bytes += client.headers(request("/api/v1/pods"), stream: 1, endStream: true)
        bytes += client.headers(request("/api/v1/nodes"), stream: 3, endStream: true, split: true)
        // Fed a byte short of a frame, then the rest: frames span reads.
        Self.feed(&c, client: true, Array(bytes.dropLast(1)), at: 10)
        Self.feed(&c, client: true, [bytes.last!], at: 11)
        var answer = Peer.frame(4, flags: 0, 0, []) + server.headers([(":status", "200")], stream: 3, endStream: false)
        answer += server.headers([(":status", "100")], stream: 1, endStream: false)  // interim
        answer += server.headers([(":status", "429"), ("retry-after", "2")], stream: 1, endStream: true)
        Self.feed(&c, client: false, answer, at: 20)
        Self.feed(&c, client: false, Peer.frame(0, flags: 1, 3, [1, 2, 3]), at: 30)
        #expect(c.requests.count == 2 && !c.lostFraming)
        #expect(c.requests[0].target == "/api/v1/pods" && c.requests[0].status == 429 && c.requests[0].retryAfter == "2")
        #expect(c.requests[0].end == 10 && c.requests[0].firstByte == 20 && c.requests[0].lastByte == 20)
        #expect(c.requests[1].target == "/api/v1/nodes" && c.requests[1].end == 11 && c.requests[1].lastByte == 30)
    }

    @Test func boundsAndLostState() {
        var c = HTTP2Conversation(), client = Peer()
        var bytes = HTTP2Conversation.preface
        for i in 0..<HTTP1Conversation.limit + 2 {
            bytes += client.headers([(":method", "GET"), (":path", "/p\(i)")], stream: UInt32(2 * i + 1), endStream: true)
        }
        Self.feed(&c, client: true, bytes, at: 1)
        #expect(c.requests.count == HTTP1Conversation.limit && c.dropped == 2)
        // A DATA frame past the buffer bound is skipped by its length; the next frame is read.
        var d = HTTP2Conversation(), p = Peer()
        var big = HTTP2Conversation.preface + p.headers([(":method", "POST"), (":path", "/big")], stream: 1, endStream: false)
        big += Peer.frame(0, flags: 1, 1, [UInt8](repeating: 0, count: HTTP2Conversation.maximumBuffered + 10))
        big += p.headers([(":method", "GET"), (":path", "/after")], stream: 3, endStream: true)
        Self.feed(&d, client: true, big, at: 5)
        #expect(d.requests.map(\.target) == ["/big", "/after"] && d.requests[0].end == 5 && !d.lostFraming)
        // A header block that does not decode: the direction is not read further.
        var e = HTTP2Conversation()
        Self.feed(
            &e, client: true, HTTP2Conversation.preface + Peer.frame(1, flags: 5, 1, [0xFF, 0xFF, 0xFF, 0xFF, 0xFF]), at: 1)
        #expect(e.lostFraming && e.requests.isEmpty)
    }
}

/// Hostile bytes into the HTTP readers (what a decrypted stream may hold): never a trap, and
/// the bounds hold. Seeded, so a failure reproduces.
struct HTTPReadersHostileTests {
    struct Seeded: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state
        }
    }

    @Test func randomAndMutatedBytesNeverTrap() {
        var rng = Seeded(state: 26)
        let seeds: [[UInt8]] = [
            Array("GET / HTTP/1.1\r\nContent-Length: -5\r\n\r\nabc".utf8),
            Array("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\n".utf8),
            HTTP2Conversation.preface + [0, 0, 5, 1, 0x2D, 0, 0, 0, 1, 4, 0xFF, 0, 0, 0],
        ]
        for round in 0..<2000 {
            var bytes = seeds[round % seeds.count]
            for _ in 0..<Int(rng.next() % 8) {
                let i = Int(rng.next() % UInt64(bytes.count))
                bytes[i] = UInt8(truncatingIfNeeded: rng.next())
            }
            if round % 5 == 0 { bytes += (0..<Int(rng.next() % 64)).map { _ in UInt8(truncatingIfNeeded: rng.next()) } }
            var h1 = HTTP1Conversation(), h2 = HTTP2Conversation()
            let any = HTTPConversation.undecided
            bytes.withUnsafeBytes { raw in
                let b = ByteSlice(raw)
                h1.client(b, time: 1); h1.server(b, time: 2)
                h2.client(b, time: 1); h2.server(b, time: 2)
                any.client(b, time: 1); any.server(b, time: 2)
            }
            h1.close(at: 3)
            #expect(h1.requests.count <= HTTP1Conversation.limit && h2.requests.count <= HTTP1Conversation.limit)
        }
    }

    /// ICMP errors of every type and length, quoting anything: read or refused, never a trap.
    @Test func icmpErrorsOfAnyShape() {
        var rng = Seeded(state: 24)
        for round in 0..<5000 {
            let n = Int(rng.next() % 80)
            var bytes = (0..<n).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            if n > 8 { bytes[8] = round % 2 == 0 ? 0x45 : 0x60 }  // a plausible quoted header
            bytes.withUnsafeBytes { raw in
                _ = ICMP.error(ByteSlice(raw), v6: round % 3 == 0)
            }
        }
    }
}
