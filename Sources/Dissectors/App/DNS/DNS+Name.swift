extension DNS {
    /// Reads a (possibly compressed) name starting at `offset` in `message`.
    ///
    /// Returns the name in presentation format (RFC 1035 5.1 / RFC 4343: `.` inside a
    /// label and `\\` escaped with a backslash, bytes outside printable ASCII as `\\DDD`,
    /// the root as `.`, case preserved) and the offset just past the name where it first
    /// appeared. Pointer loops, too many hops and over-long names are decode errors.
    public static func readName(_ message: ByteSlice, at offset: Int) throws(DecodeError) -> (name: String, next: Int) {
        try withPresentationName(message, at: offset) { bytes in
            bytes.isEmpty ? "." : String(decoding: bytes, as: UTF8.self)
        }
    }

    /// Hands `body` the presentation bytes of the name at `offset` (as `readName` writes them,
    /// but empty for the root), in a stack buffer: callers that intern names never build a
    /// String per message. Returns `body`'s result and the offset past the name.
    public static func withPresentationName<R>(_ message: ByteSlice, at offset: Int,
                                               _ body: (UnsafeBufferPointer<UInt8>) -> R) throws(DecodeError) -> (R, next: Int) {
        // Presentation text is at most 4 bytes per wire byte (\DDD): a stack buffer, then one
        // String, instead of appending scalar by scalar (measured: the hot spot of DNS).
        try withUnsafeTemporaryAllocation(of: UInt8.self, capacity: maximumNameLength * 4 + 4) {
            buffer throws(DecodeError) -> (R, next: Int) in
            var length = 0
            let next = try walkName(message, at: offset) { byte in
                switch byte {
                case UInt8(ascii: "."), UInt8(ascii: "\\"):
                    buffer[length] = UInt8(ascii: "\\"); buffer[length + 1] = byte; length += 2
                case 0x21 ... 0x7E:
                    buffer[length] = byte; length += 1
                default:
                    buffer[length] = UInt8(ascii: "\\")
                    buffer[length + 1] = UInt8(ascii: "0") + byte / 100
                    buffer[length + 2] = UInt8(ascii: "0") + byte / 10 % 10
                    buffer[length + 3] = UInt8(ascii: "0") + byte % 10
                    length += 4
                }
            } separator: {
                buffer[length] = UInt8(ascii: "."); length += 1
            }
            return (body(UnsafeBufferPointer(rebasing: buffer[..<length])), next)
        }
    }

    /// Validates a name and returns the offset past it, without building its text (record
    /// owner names are skipped this way).
    public static func skipName(_ message: ByteSlice, at offset: Int) throws(DecodeError) -> Int {
        try walkName(message, at: offset, byte: { _ in }, separator: {})
    }

    /// The one name walker: bounds, pointer rules and limits; bytes and label separators
    /// are handed to the caller.
    static func walkName(_ message: ByteSlice, at offset: Int, byte: (UInt8) -> Void,
                         separator: () -> Void) throws(DecodeError) -> Int {
        var labels = 0
        var at = offset
        var end: Int?
        var hops = 0
        var wireLength = 0
        while true {
            guard at < message.count else {
                throw DecodeError(.truncated, .dns, at: message.frameOffset + at, value: at + 1, limit: message.count)
            }
            let length = Int(message.u8(at: at))
            switch length & 0xC0 {
            case 0xC0:
                guard at + 1 < message.count else {
                    throw DecodeError(.truncated, .dns, at: message.frameOffset + at, value: at + 2, limit: message.count)
                }
                hops += 1
                guard hops <= maximumPointerHops else {
                    throw DecodeError(.limit, .dns, at: message.frameOffset + at, value: hops, limit: maximumPointerHops)
                }
                let target = Int(message.u16(at: at) & 0x3FFF)
                // Pointers must go backwards: a forward or self pointer is how loops are built.
                guard target < at else {
                    throw DecodeError(.badValue, .dns, at: message.frameOffset + at, value: target)
                }
                if end == nil { end = at + 2 }
                at = target
            case 0x00:
                if length == 0 { return end ?? at + 1 }
                guard at + 1 + length <= message.count else {
                    throw DecodeError(.truncated, .dns, at: message.frameOffset + at, value: at + 1 + length,
                                      limit: message.count)
                }
                wireLength += length + 1
                guard wireLength + 1 <= maximumNameLength else {
                    throw DecodeError(.limit, .dns, at: message.frameOffset + at, value: wireLength + 1,
                                      limit: maximumNameLength)
                }
                if labels > 0 { separator() }
                labels += 1
                for i in at + 1 ..< at + 1 + length { byte(message.u8(at: i)) }
                at += 1 + length
            default:
                // 0x40 and 0x80 label types (RFC 6891 extended labels) are not in use.
                throw DecodeError(.badValue, .dns, at: message.frameOffset + at, value: length)
            }
        }
    }

}
