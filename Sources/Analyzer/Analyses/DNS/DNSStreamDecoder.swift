/// DNS over TCP, one direction (RFC 1035 4.2.2, RFC 7766): messages prefixed by a 2-byte
/// length, spread over segments or packed several to a segment. Fed reassembled chunks;
/// yields each whole message with the time of the chunk that completed it.
///
/// After a gap the framing is lost: the partial message is dropped and decoding stops for
/// this direction (counted) rather than guess at a boundary. The buffer holds at most one
/// message and its length (65,537 bytes).
struct DNSStreamDecoder {
    private var buffer: [UInt8] = []
    private(set) var lostToGaps = false

    /// Largest message: the length prefix is 16 bits.
    static let maximumMessage = 65_535

    /// Bytes waiting for the rest of their message.
    var buffered: Int { buffer.count }

    /// `held`: the framing bytes of every connection, kept under `limit` (past it this
    /// direction's framing is given up, as after a gap).
    mutating func receive(
        _ chunk: ReassembledChunk, held: inout Int, limit: Int,
        message: (UnsafeRawBufferPointer, Int64) -> Void
    ) {
        let before = buffer.count
        defer { held += buffer.count - before }
        if chunk.gapBefore > 0 || held + chunk.bytes.count > limit {
            lostToGaps = true
            buffer = []
        }
        guard !lostToGaps else { return }
        buffer.append(contentsOf: chunk.bytes)
        var start = 0
        while buffer.count - start >= 2 {
            let length = Int(buffer[start]) << 8 | Int(buffer[start + 1])
            guard buffer.count - start - 2 >= length else { break }
            buffer.withUnsafeBytes { raw in
                message(UnsafeRawBufferPointer(rebasing: raw[(start + 2)..<(start + 2 + length)]), chunk.time)
            }
            start += 2 + length
        }
        if start > 0 { buffer.removeFirst(start) }
        if buffer.count > Self.maximumMessage + 2 { buffer = [] }
        if buffer.isEmpty && buffer.capacity > 4096 { buffer = [] }
    }
}

/// One direction of a DNS-over-TCP connection: its reassembler and its framing.
struct DNSStreamDirection {
    var reassembler = StreamReassembler()
    var framer = DNSStreamDecoder()
}
