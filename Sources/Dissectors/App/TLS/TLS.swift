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
        public static let clientHello: UInt8 = 1, serverHello: UInt8 = 2, newSessionTicket: UInt8 = 4
        public static let certificate: UInt8 = 11, finished: UInt8 = 20
        public static let encryptedExtensions: UInt8 = 8, keyUpdate: UInt8 = 24, endOfEarlyData: UInt8 = 5
    }

    /// Protocol version names as Wireshark prints them ("TLSv1.2"); unknown ones as hex.
    public static func versionName(_ v: UInt16) -> String {
        switch v {
        case 0x0002: "SSLv2"
        case 0x0300: "SSLv3"
        case 0x0301: "TLSv1.0"
        case 0x0302: "TLSv1.1"
        case 0x0303: "TLSv1.2"
        case 0x0304: "TLSv1.3"
        default: hex(v)
        }
    }

    /// `0x1301`-style: four lowercase hex digits (cipher suites, unknown versions).
    public static func hex(_ v: UInt16) -> String {
        let h = String(v, radix: 16)
        return "0x" + String(repeating: "0", count: 4 - h.count) + h
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
            guard (20...24).contains(contentType) else {
                throw DecodeError(.badValue, .tls, at: bytes.frameOffset, value: Int(contentType), limit: 24)
            }
            guard length <= Self.maximumLength else {
                throw DecodeError(.badLength, .tls, at: bytes.frameOffset + 3, value: length, limit: Self.maximumLength)
            }
        }
    }

    /// A record's first bytes look like a TLS record header that this analysis accepts as a
    /// place to (re)start reading a stream: content type 20-23, version 3.0-3.4, a length
    /// within the bound. Needs the 5 header bytes.
    public static func isRecordStart(_ bytes: ByteSlice) -> Bool {
        guard bytes.count >= recordHeaderLength else { return false }
        let type = bytes.u8(at: 0)
        return (20...23).contains(type) && bytes.u8(at: 1) == 3 && bytes.u8(at: 2) <= 4
            && Int(bytes.u16(at: 3)) <= RecordHeader.maximumLength
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
