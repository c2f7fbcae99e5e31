import Dissectors
import NIOCore
import NIOHPACK

/// HTTP/2 requests and responses on one connection (RFC 9113), from both directions' bytes in
/// order (decrypted `h2`, or prior-knowledge `h2c`): frames read by their 9-byte headers,
/// header blocks (HEADERS and CONTINUATION) decoded with swift-nio-http2's HPACK decoder (one
/// per direction: each keeps the dynamic table its peer's encoder built), one request per
/// client stream. A request ends with its END_STREAM; its response's first byte is the
/// server's first final HEADERS (1xx are interim), its last the server's END_STREAM. gRPC's
/// status comes from `grpc-status` in the trailers (or a Trailers-Only response).
///
/// A header block that does not decode, or bytes missing (a record that did not decrypt),
/// leave the HPACK state unknown: that direction is not read further (`lostFraming`), said,
/// not guessed. Bounds: `HTTP1Conversation.limit` requests per connection (the rest counted
/// in `dropped`); a frame's payload is buffered up to `maximumBuffered` bytes (a longer DATA
/// frame is skipped by its length; a longer header block loses the framing).
struct HTTP2Conversation {
    static let preface = Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8)
    static let maximumBuffered = 256 * 1024

    private(set) var requests: [HTTP1Conversation.Request] = []
    private(set) var dropped = 0
    /// Open streams: stream id -> index in `requests`.
    private var streams: [UInt32: Int] = [:]
    private var client = Direction(expectsPreface: true)
    private var server = Direction(expectsPreface: false)
    var lostFraming: Bool { client.lost || server.lost }

    /// One direction's frame reader and HPACK state.
    struct Direction {
        var expectsPreface: Bool
        var buffer: [UInt8] = []
        /// Bytes of the current frame's payload still to skip without buffering.
        var skipping = 0
        /// Made at the first header block (a placeholder direction has none).
        var decoder: HPACKDecoder?
        /// A header block split over CONTINUATION frames: its stream, END_STREAM, bytes so far.
        var block: (stream: UInt32, endStream: Bool, bytes: [UInt8])?
        var lost = false
    }

    mutating func client(_ bytes: ByteSlice, time: Int64) { receive(bytes, fromClient: true, time: time) }
    mutating func server(_ bytes: ByteSlice, time: Int64) { receive(bytes, fromClient: false, time: time) }

    /// Bytes the two frame readers hold (partial frames, split header blocks).
    var bufferedBytes: Int {
        client.buffer.capacity + server.buffer.capacity + (client.block?.bytes.capacity ?? 0)
            + (server.block?.bytes.capacity ?? 0)
    }

    /// Stop reading (a memory bound): the buffers and HPACK state go, the requests stay.
    mutating func stop() {
        client = Direction(expectsPreface: false)
        server = Direction(expectsPreface: false)
        (client.lost, server.lost) = (true, true)
    }

    /// Bytes of a direction are missing: its HPACK state is unknown from here on.
    mutating func gap(fromClient: Bool) {
        if fromClient { client.lost = true } else { server.lost = true }
    }

    private mutating func receive(_ bytes: ByteSlice, fromClient: Bool, time: Int64) {
        var d = fromClient ? client : server
        if fromClient { client = Direction(expectsPreface: false) } else { server = Direction(expectsPreface: false) }
        defer { if fromClient { client = d } else { server = d } }
        guard !d.lost else { return }
        var input = Array(bytes.base)[...]
        if d.skipping > 0 {
            let k = min(d.skipping, input.count)
            d.skipping -= k
            input = input.dropFirst(k)
        }
        d.buffer.append(contentsOf: input)
        if d.expectsPreface {
            guard d.buffer.count >= Self.preface.count else { return }
            guard Array(d.buffer.prefix(Self.preface.count)) == Self.preface else { d.lost = true; return }
            d.buffer.removeFirst(Self.preface.count)
            d.expectsPreface = false
        }
        var at = 0
        while d.buffer.count - at >= 9 {
            let length = Int(d.buffer[at]) << 16 | Int(d.buffer[at + 1]) << 8 | Int(d.buffer[at + 2])
            let type = d.buffer[at + 3], flags = d.buffer[at + 4]
            let stream =
                (UInt32(d.buffer[at + 5]) << 24 | UInt32(d.buffer[at + 6]) << 16 | UInt32(d.buffer[at + 7]) << 8
                    | UInt32(d.buffer[at + 8])) & 0x7FFF_FFFF
            if length > Self.maximumBuffered {
                // Only DATA may be skipped: a header block's bytes feed HPACK.
                guard type == 0 else { d.lost = true; return }
                countData(stream, length, fromClient: fromClient)  // its padding, if any, counted too
                if flags & 1 != 0 { streamEnded(stream, fromClient: fromClient, time: time) }
                let here = d.buffer.count - at - 9
                if here >= length {  // all here already: step over it
                    at += 9 + length
                    continue
                }
                d.skipping = length - here
                at = d.buffer.count
                break
            }
            guard d.buffer.count - at - 9 >= length else { break }
            let payload = Array(d.buffer[(at + 9)..<(at + 9 + length)])
            at += 9 + length
            frame(type: type, flags: flags, stream: stream, payload, &d, fromClient: fromClient, time: time)
            if d.lost { return }
        }
        d.buffer.removeFirst(at)
    }

    private mutating func frame(
        type: UInt8, flags: UInt8, stream: UInt32, _ payload: [UInt8], _ d: inout Direction,
        fromClient: Bool, time: Int64
    ) {
        switch type {
        case 0:  // DATA
            let padding = flags & 8 != 0 ? 1 + Int(payload.first ?? 0) : 0
            countData(stream, max(0, payload.count - padding), fromClient: fromClient)
            if let i = streams[stream], !fromClient, requests[i].isWatch, !requests[i].watchExpired {
                let body = Self.unpadded(payload, flags: flags)
                body.withUnsafeBytes { if HTTPTarget.isExpiredEvent(ByteSlice($0)) { requests[i].watchExpired = true } }
            }
            if flags & 1 != 0 { streamEnded(stream, fromClient: fromClient, time: time) }
        case 1:  // HEADERS
            var fragment = Self.unpadded(payload, flags: flags)
            if flags & 0x20 != 0 { fragment = Array(fragment.dropFirst(5)) }  // PRIORITY
            if flags & 4 != 0 {
                headerBlock(fragment, stream: stream, endStream: flags & 1 != 0, &d, fromClient: fromClient, time: time)
            } else {
                d.block = (stream, flags & 1 != 0, fragment)
            }
        case 9:  // CONTINUATION
            guard var b = d.block, b.stream == stream else { d.lost = true; return }
            b.bytes += payload
            guard b.bytes.count <= Self.maximumBuffered else { d.lost = true; return }
            if flags & 4 != 0 {
                d.block = nil
                headerBlock(b.bytes, stream: stream, endStream: b.endStream, &d, fromClient: fromClient, time: time)
            } else {
                d.block = b
            }
        case 3:  // RST_STREAM
            if let i = streams.removeValue(forKey: stream) { requests[i].reset = true }
        default: break  // SETTINGS, PING, GOAWAY, WINDOW_UPDATE, PRIORITY, PUSH_PROMISE
        }
    }

    private mutating func headerBlock(
        _ bytes: [UInt8], stream: UInt32, endStream: Bool, _ d: inout Direction,
        fromClient: Bool, time: Int64
    ) {
        var buffer = ByteBuffer(bytes: bytes)
        if d.decoder == nil { d.decoder = HPACKDecoder(allocator: ByteBufferAllocator()) }
        guard let headers = try? d.decoder!.decodeHeaders(from: &buffer) else {
            d.lost = true
            return
        }
        if fromClient {
            if let i = streams[stream] {  // request trailers
                if endStream { requests[i].end = time; finishIfDone(stream) }
                return
            }
            guard requests.count < HTTP1Conversation.limit, let method = headers.first(name: ":method") else {
                dropped += 1
                return
            }
            var r = HTTP1Conversation.Request(
                method: method, target: headers.first(name: ":path") ?? "",
                userAgent: headers.first(name: "user-agent"), start: time)
            if endStream { r.end = time }
            r.stream = stream
            r.grpc = headers.first(name: "content-type")?.hasPrefix("application/grpc") ?? false
            requests.append(r)
            streams[stream] = requests.count - 1
        } else {
            guard let i = streams[stream] else { return }
            if let s = headers.first(name: ":status").flatMap({ Int($0) }) {
                guard s >= 200 else { return }  // interim
                if requests[i].firstByte == nil {
                    requests[i].firstByte = time
                    requests[i].status = s
                    requests[i].retryAfter = headers.first(name: "retry-after")
                }
            }
            if let g = headers.first(name: "grpc-status").flatMap({ Int($0) }) { requests[i].grpcStatus = g }
            if endStream { streamEnded(stream, fromClient: false, time: time) }
        }
    }

    private mutating func streamEnded(_ stream: UInt32, fromClient: Bool, time: Int64) {
        guard let i = streams[stream] else { return }
        if fromClient { requests[i].end = time } else { requests[i].lastByte = time }
        finishIfDone(stream)
    }

    /// DATA payload bytes into the stream's request or response.
    private mutating func countData(_ stream: UInt32, _ n: Int, fromClient: Bool) {
        guard let i = streams[stream] else { return }
        if fromClient { requests[i].requestBytes += n } else { requests[i].responseBytes += n }
    }

    /// A stream both sides ended leaves the open table (its request stays in `requests`).
    private mutating func finishIfDone(_ stream: UInt32) {
        if let i = streams[stream], requests[i].end != nil, requests[i].lastByte != nil { streams[stream] = nil }
    }

    static func unpadded(_ payload: [UInt8], flags: UInt8) -> [UInt8] {
        guard flags & 8 != 0, let pad = payload.first, Int(pad) < payload.count else { return payload }
        return Array(payload[1..<payload.count - Int(pad)])
    }
}
