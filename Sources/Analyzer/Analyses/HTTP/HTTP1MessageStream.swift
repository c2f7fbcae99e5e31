import Dissectors

/// What one direction of an HTTP/1.1 connection said, message by message (RFC 9112 6):
/// a start line and headers, then a body framed by Content-Length, chunked transfer coding,
/// or the connection's end. Fed the direction's bytes in order (a decrypted TLS stream, or
/// a plain one); emits an event per message start, header block and end.
///
/// Bounds: a header block longer than `maximumHeaderBlock` or a chunk-size line longer than
/// `maximumChunkLine` loses the framing (counted in `lostFraming`); the direction is then
/// not read further. Nothing of a body is kept.
struct HTTP1MessageStream {
    static let maximumHeaderBlock = 64 * 1024
    static let maximumChunkLine = 1024

    struct Head {
        /// Requests: method and target; responses: status.
        var request: HTTP1.Request?
        var status: Int?
        var contentLength: Int?
        var chunked = false
        var userAgent: String?
        var retryAfter: String?
    }

    enum Event {
        /// The first byte of a message.
        case start
        case head(Head)
        /// Body bytes (for a watch's events); `data` is valid during the call only.
        case body(ByteSlice)
        /// The last byte of a message.
        case end
    }

    /// How the next body is framed when the peer's message decides it (a response to HEAD,
    /// 1xx/204/304: no body). Set by the conversation before the head's event returns.
    enum Body { case none, length(Int), chunked, untilClose }

    private enum Mode { case idle, head, body(Int), chunkLine, chunkData(Int), chunkDataEnd(Int), trailers, untilClose, lost }
    private var mode = Mode.idle
    private var buffer: [UInt8] = []
    /// Bytes held for a header block or chunk-size line still incomplete.
    var bufferedBytes: Int { buffer.capacity }
    private(set) var lostFraming = false
    /// Reads `bytes`; `event` returns, for a `.head`, how its body is framed.
    mutating func receive(_ bytes: ByteSlice, _ event: (Event) -> Body) {
        var i = 0
        let n = bytes.count
        while i < n {
            switch mode {
            case .lost: return
            case .idle:
                _ = event(.start)
                mode = .head
            case .head:
                let b = bytes.u8(at: i)
                buffer.append(b)
                i += 1
                if b == 0x0A, buffer.count >= 2, endsHeaderBlock() {
                    let head = buffer.withUnsafeBytes { Self.parseHead(ByteSlice($0)) }
                    buffer.removeAll(keepingCapacity: true)
                    switch event(.head(head)) {
                    case .none: finish(event)
                    case .length(let l): if l == 0 { finish(event) } else { mode = .body(l) }
                    case .chunked: mode = .chunkLine
                    case .untilClose: mode = .untilClose
                    }
                } else if buffer.count > Self.maximumHeaderBlock {
                    lose()
                }
            case .body(let remaining):
                let k = min(remaining, n - i)
                _ = event(.body(bytes.dropFirst(i).prefix(k)))
                i += k
                if remaining - k == 0 { finish(event) } else { mode = .body(remaining - k) }
            case .untilClose:
                _ = event(.body(bytes.dropFirst(i)))
                i = n
            case .chunkLine:
                let b = bytes.u8(at: i)
                i += 1
                if b == 0x0A {
                    guard let size = Self.chunkSize(buffer) else { lose(); return }
                    buffer.removeAll(keepingCapacity: true)
                    mode = size == 0 ? .trailers : .chunkData(size)
                } else {
                    buffer.append(b)
                    if buffer.count > Self.maximumChunkLine { lose(); return }
                }
            case .chunkData(let remaining):
                let k = min(remaining, n - i)
                _ = event(.body(bytes.dropFirst(i).prefix(k)))
                i += k
                mode = remaining - k == 0 ? .chunkDataEnd(2) : .chunkData(remaining - k)
            case .chunkDataEnd(let left):
                i += 1  // the CRLF after a chunk's data
                mode = left == 1 ? .chunkLine : .chunkDataEnd(left - 1)
            case .trailers:
                let b = bytes.u8(at: i)
                i += 1
                buffer.append(b)
                if b == 0x0A {
                    // An empty line (CRLF or LF alone) ends the trailers, and the message.
                    if buffer.count <= 2 {
                        buffer.removeAll(keepingCapacity: true); finish(event)
                    } else {
                        buffer.removeAll(keepingCapacity: true)
                    }
                } else if buffer.count > Self.maximumHeaderBlock {
                    lose()
                }
            }
        }
    }

    /// The connection ended: a body read until close ends here.
    mutating func close(_ event: (Event) -> Body) {
        if case .untilClose = mode { finish(event) }
    }

    private mutating func finish(_ event: (Event) -> Body) {
        _ = event(.end)
        mode = .idle
    }

    private mutating func lose() {
        lostFraming = true
        mode = .lost
        buffer = []
    }

    private func endsHeaderBlock() -> Bool {
        let c = buffer.count
        if buffer[c - 2] == 0x0A { return true }  // LF LF
        return c >= 4 && buffer[c - 2] == 0x0D && buffer[c - 3] == 0x0A && buffer[c - 4] == 0x0D
    }

    /// A chunk-size line: hex digits, then extensions after ';' (ignored).
    static func chunkSize(_ line: [UInt8]) -> Int? {
        var size = 0
        var digits = 0
        for b in line {
            let v: Int
            switch b {
            case 0x30...0x39: v = Int(b - 0x30)
            case 0x61...0x66: v = Int(b - 0x61 + 10)
            case 0x41...0x46: v = Int(b - 0x41 + 10)
            case 0x0D, 0x3B, 0x20, 0x09: return digits > 0 ? size : nil
            default: return nil
            }
            guard digits < 15 else { return nil }  // past 2^60 bytes: not a chunk
            size = size << 4 | v
            digits += 1
        }
        return digits > 0 ? size : nil
    }

    /// The start line and the headers Loupe reads.
    static func parseHead(_ block: ByteSlice) -> Head {
        var head = Head()
        head.request = HTTP1.request(block)
        head.status = HTTP1.status(block)
        var lineStart = 0
        for i in 0..<block.count where block.u8(at: i) == 0x0A {
            let line = block.dropFirst(lineStart).prefix(i - lineStart)
            lineStart = i + 1
            guard let colon = (0..<line.count).first(where: { line.u8(at: $0) == 0x3A }) else { continue }
            let name = String(decoding: line.prefix(colon).base, as: UTF8.self).lowercased()
            var value = line.dropFirst(colon + 1)
            while value.count > 0 && (value.u8(at: 0) == 0x20 || value.u8(at: 0) == 0x09) { value = value.dropFirst(1) }
            while value.count > 0 && [0x0D, 0x20, 0x09].contains(value.u8(at: value.count - 1)) {
                value = value.prefix(value.count - 1)
            }
            switch name {
            case "content-length":
                // A negative or unreadable length frames nothing: the body then runs to the end.
                head.contentLength = Int(String(decoding: value.base, as: UTF8.self)).flatMap { $0 >= 0 ? $0 : nil }
            case "transfer-encoding":
                head.chunked = String(decoding: value.base, as: UTF8.self).lowercased().hasSuffix("chunked")
            case "user-agent": head.userAgent = PresentationText.make(value.prefix(256))
            case "retry-after": head.retryAfter = PresentationText.make(value.prefix(64))
            default: break
            }
        }
        return head
    }
}
