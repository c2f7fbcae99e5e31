extension DNS {
    /// Reads a (possibly compressed) name starting at `offset` in `message`.
    ///
    /// Returns the name in presentation format (RFC 1035 5.1 / RFC 4343: `.` inside a
    /// label and `\\` escaped with a backslash, bytes outside printable ASCII as `\\DDD`,
    /// the root as `.`, case preserved) and the offset just past the name where it first
    /// appeared. Pointer loops, too many hops and over-long names are decode errors.
    public static func readName(_ message: ByteSlice, at offset: Int) throws(DecodeError) -> (name: String, next: Int) {
        var text = ""
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
                if length == 0 {
                    if text.isEmpty { text = "." }
                    return (text, end ?? at + 1)
                }
                guard at + 1 + length <= message.count else {
                    throw DecodeError(.truncated, .dns, at: message.frameOffset + at, value: at + 1 + length,
                                      limit: message.count)
                }
                wireLength += length + 1
                guard wireLength + 1 <= maximumNameLength else {
                    throw DecodeError(.limit, .dns, at: message.frameOffset + at, value: wireLength + 1,
                                      limit: maximumNameLength)
                }
                if !text.isEmpty { text.append(".") }
                appendLabel(message, from: at + 1, count: length, to: &text)
                at += 1 + length
            default:
                // 0x40 and 0x80 label types (RFC 6891 extended labels) are not in use.
                throw DecodeError(.badValue, .dns, at: message.frameOffset + at, value: length)
            }
        }
    }

    static func appendLabel(_ message: ByteSlice, from start: Int, count: Int, to text: inout String) {
        for i in start ..< start + count {
            let b = message.u8(at: i)
            switch b {
            case UInt8(ascii: "."), UInt8(ascii: "\\"):
                text.append("\\")
                text.unicodeScalars.append(Unicode.Scalar(b))
            case 0x21 ... 0x7E:
                text.unicodeScalars.append(Unicode.Scalar(b))
            default:
                let d = String(b)
                text.append("\\" + String(repeating: "0", count: 3 - d.count) + d)
            }
        }
    }
}
