/// TLS (RFC 8446, RFC 5246): the record layer and the handshake messages Loupe reads.
/// Everything here works on bytes the caller has already put in order (one segment, or
/// the stream reassembler's output); lengths are checked before every read and a
/// violation is a `DecodeError` at its frame offset.
public enum TLS {
    public static let recordHeaderLength = 5
    public static let handshakeHeaderLength = 4

    public enum ContentType {
        public static let changeCipherSpec: UInt8 = 20, alert: UInt8 = 21, handshake: UInt8 = 22, applicationData: UInt8 = 23
    }

    public enum HandshakeType {
        public static let clientHello: UInt8 = 1, serverHello: UInt8 = 2, certificate: UInt8 = 11
    }

    /// `type u8 | version u16 | length u16`; the length is at most 2^14 + 2048 (RFC 5246 6.2.3,
    /// the ciphertext bound), so a larger one is not TLS.
    public struct RecordHeader: Hashable, Sendable {
        public static let maximumLength = 16_384 + 2_048
        public var contentType: UInt8
        public var version: UInt16
        public var length: Int

        public init(validating bytes: ByteSlice) throws(DecodeError) {
            try bytes.require(TLS.recordHeaderLength, .tls)
            contentType = bytes.u8(at: 0)
            version = bytes.u16(at: 1)
            length = Int(bytes.u16(at: 3))
            guard (20 ... 24).contains(contentType) else {
                throw DecodeError(.badValue, .tls, at: bytes.frameOffset, value: Int(contentType), limit: 24)
            }
            guard length <= Self.maximumLength else {
                throw DecodeError(.badLength, .tls, at: bytes.frameOffset + 3, value: length, limit: Self.maximumLength)
            }
        }
    }

    /// The first handshake message of a handshake record's body: its type and body (which
    /// must be whole within `bytes`).
    public static func handshakeMessage(_ bytes: ByteSlice) throws(DecodeError) -> (type: UInt8, body: ByteSlice) {
        try bytes.require(handshakeHeaderLength, .tls)
        let length = Int(bytes.u8(at: 1)) << 16 | Int(bytes.u16(at: 2))
        let body = bytes.dropFirst(handshakeHeaderLength)
        guard length <= body.count else {
            throw DecodeError(.truncated, .tls, at: body.frameOffset + body.count, value: length, limit: body.count)
        }
        return (bytes.u8(at: 0), body.prefix(length))
    }
}
