/// HTTP/1.x start lines (RFC 9112 3, 4): a request's method and target, a response's status.
/// Only the first line is read, and only when it is whole within `maximumLine` bytes.
public enum HTTP1 {
    public static let maximumLine = 8192

    public struct Request: Hashable, Sendable {
        public var method: String
        /// The request target as `PresentationText` (hostile bytes escaped).
        public var target: String
    }

    /// "METHOD SP target SP HTTP/1.x" at the start of `bytes`.
    public static func request(_ bytes: ByteSlice) -> Request? {
        guard Heuristics.isHTTP1(bytes), let line = firstLine(bytes) else { return nil }
        guard let space = (0..<line.count).first(where: { line.u8(at: $0) == 0x20 }), space > 0 else { return nil }
        let rest = line.dropFirst(space + 1)
        guard let end = (0..<rest.count).first(where: { rest.u8(at: $0) == 0x20 }),
            rest.count - end - 1 >= 8, rest.u8(at: end + 1) == UInt8(ascii: "H")
        else { return nil }
        let method = PresentationText.make(line.prefix(space))
        guard method != "HTTP/1.1" && method != "HTTP/1.0" else { return nil }
        return Request(method: method, target: PresentationText.make(rest.prefix(end)))
    }

    /// The status code of "HTTP/1.x SP 3DIGIT ..." at the start of `bytes`.
    public static func status(_ bytes: ByteSlice) -> Int? {
        guard bytes.count >= 12, bytes.u32(at: 0) == 0x4854_5450, bytes.u8(at: 4) == UInt8(ascii: "/"),
            bytes.u8(at: 8) == 0x20
        else { return nil }
        var code = 0
        for i in 9..<12 {
            let d = bytes.u8(at: i)
            guard (0x30...0x39).contains(d) else { return nil }
            code = code * 10 + Int(d - 0x30)
        }
        return code
    }

    /// The bytes before the first CRLF (or LF), if one comes within `maximumLine`.
    static func firstLine(_ bytes: ByteSlice) -> ByteSlice? {
        let n = min(bytes.count, maximumLine)
        for i in 0..<n where bytes.u8(at: i) == 0x0A {
            return bytes.prefix(i > 0 && bytes.u8(at: i - 1) == 0x0D ? i - 1 : i)
        }
        return nil
    }
}
