/// Reads TLS's length-prefixed vectors front to back, every length checked against what is
/// left, so hostile lengths end in a `DecodeError` at their offset and never in a trap.
struct TLSCursor {
    private var rest: ByteSlice

    init(_ bytes: ByteSlice) { rest = bytes }

    var isAtEnd: Bool { rest.count == 0 }

    mutating func u8() throws(DecodeError) -> UInt8 {
        try rest.require(1, .tls)
        defer { rest = rest.dropFirst(1) }
        return rest.u8(at: 0)
    }

    mutating func u16() throws(DecodeError) -> UInt16 {
        try rest.require(2, .tls)
        defer { rest = rest.dropFirst(2) }
        return rest.u16(at: 0)
    }

    mutating func skip(_ n: Int) throws(DecodeError) {
        try rest.require(n, .tls)
        rest = rest.dropFirst(n)
    }

    /// A vector with a 1-, 2- or 3-byte length in front.
    mutating func vector(lengthBytes: Int) throws(DecodeError) -> ByteSlice {
        try rest.require(lengthBytes, .tls)
        var length = 0
        for i in 0..<lengthBytes { length = length << 8 | Int(rest.u8(at: i)) }
        let body = rest.dropFirst(lengthBytes)
        guard length <= body.count else {
            throw DecodeError(.badLength, .tls, at: rest.frameOffset, value: length, limit: body.count)
        }
        rest = body.dropFirst(length)
        return body.prefix(length)
    }

    /// The optional extensions block that ends both hellos: each extension's type and data,
    /// in wire order (nothing when the message ends before it, as TLS 1.0-1.2 allow).
    mutating func forEachExtension(_ body: (UInt16, ByteSlice) throws(DecodeError) -> Void) throws(DecodeError) {
        guard !isAtEnd else { return }
        var list = TLSCursor(try vector(lengthBytes: 2))
        while !list.isAtEnd {
            let type = try list.u16()
            try body(type, try list.vector(lengthBytes: 2))
        }
    }

    /// The vector an extension's data holds.
    static func inner(_ data: ByteSlice, lengthBytes: Int) throws(DecodeError) -> ByteSlice {
        var c = TLSCursor(data)
        return try c.vector(lengthBytes: lengthBytes)
    }

    /// A vector of u16 values: an odd length is an error.
    static func u16List(_ bytes: ByteSlice) throws(DecodeError) -> [UInt16] {
        guard bytes.count % 2 == 0 else {
            throw DecodeError(.badLength, .tls, at: bytes.frameOffset, value: bytes.count, limit: bytes.count - 1)
        }
        var out: [UInt16] = []
        out.reserveCapacity(bytes.count / 2)
        for i in stride(from: 0, to: bytes.count, by: 2) { out.append(bytes.u16(at: i)) }
        return out
    }
}
