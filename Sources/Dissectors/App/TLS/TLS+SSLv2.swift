extension TLS {
    /// An SSL 2.0-format ClientHello (draft-hickman-netscape-ssl-00, RFC 6101 E.1), which old
    /// clients sent to reach SSLv3/TLS servers: a 2-byte length with the high bit set, message
    /// type 1, the highest version offered, then cipher specs of 3 bytes each.
    public struct SSLv2ClientHello: Hashable, Sendable {
        public var version: UInt16
        public var cipherSpecs: [UInt32] = []
        public var sessionIDLength: Int
        /// Bytes the record takes, header included.
        public var recordLength: Int

        /// The 2-byte header form only (the 3-byte form carries padding and is never a hello).
        public static func matches(_ bytes: ByteSlice) -> Bool {
            guard bytes.count >= 5 else { return false }
            let version = bytes.u16(at: 3)
            return bytes.u8(at: 0) & 0x80 != 0 && bytes.u8(at: 2) == 1
                && (version == 0x0002 || (0x0300...0x0304).contains(version))
        }

        public init(_ bytes: ByteSlice) throws(DecodeError) {
            try bytes.require(11, .tls)
            let length = Int(bytes.u16(at: 0) & 0x7FFF)
            recordLength = 2 + length
            try bytes.require(recordLength, .tls)
            guard bytes.u8(at: 2) == 1 else {
                throw DecodeError(.badValue, .tls, at: bytes.frameOffset + 2, value: Int(bytes.u8(at: 2)), limit: 1)
            }
            version = bytes.u16(at: 3)
            let specs = Int(bytes.u16(at: 5)), session = Int(bytes.u16(at: 7)), challenge = Int(bytes.u16(at: 9))
            guard specs % 3 == 0, 9 + specs + session + challenge == length else {
                throw DecodeError(
                    .badLength, .tls, at: bytes.frameOffset + 5, value: 9 + specs + session + challenge,
                    limit: length)
            }
            sessionIDLength = session
            for i in stride(from: 11, to: 11 + specs, by: 3) {
                cipherSpecs.append(UInt32(bytes.u8(at: i)) << 16 | UInt32(bytes.u16(at: i + 1)))
            }
        }
    }

    /// The certificates of a TLS 1.2-or-earlier Certificate message (RFC 5246 7.4.2): a
    /// 3-byte-length list of 3-byte-length DER certificates, the server's own first.
    public static func certificates(_ body: ByteSlice) throws(DecodeError) -> [ByteSlice] {
        var r = TLSCursor(body)
        var list = TLSCursor(try r.vector(lengthBytes: 3))
        var out: [ByteSlice] = []
        while !list.isAtEnd { out.append(try list.vector(lengthBytes: 3)) }
        return out
    }
}
