/// DNS messages (RFC 1035 4.1, RFC 6891 for EDNS0).
///
///     0-1 ID | 2-3 flags (QR opcode AA TC RD RA Z AD CD rcode) | 4-5 QDCOUNT | 6-7 ANCOUNT
///     8-9 NSCOUNT | 10-11 ARCOUNT | questions | answer, authority, additional records
public enum DNS {
    enum Field {
        static let id = 0..<2
        static let flags = 2..<4
        static let questionCount = 4..<6
        static let answerCount = 6..<8
        static let authorityCount = 8..<10
        static let additionalCount = 10..<12
    }
    static let headerLength = Field.additionalCount.upperBound

    /// Hostile-input guards (documented limits, each a decode error when exceeded).
    /// Compression pointers followed per name: a real name needs a handful.
    public static let maximumPointerHops = 32
    /// RFC 1035 2.3.4: 255 octets per name on the wire.
    public static let maximumNameLength = 255
    /// Records walked per message (real messages carry tens).
    public static let maximumRecords = 512

    /// The header, validated.
    public struct View {
        public let bytes: ByteSlice
        public init(validating bytes: ByteSlice) throws(DecodeError) {
            try bytes.require(DNS.headerLength, .dns)
            self.bytes = bytes
        }
        public var id: UInt16 { bytes.u16(at: Field.id.lowerBound) }
        public var flags: UInt16 { bytes.u16(at: Field.flags.lowerBound) }
        public var isResponse: Bool { flags & 0x8000 != 0 }
        public var opcode: UInt8 { UInt8((flags >> 11) & 0xF) }
        public var truncated: Bool { flags & 0x0200 != 0 }
        /// The 4-bit header rcode (EDNS0 may extend it: see `Message.rcode`).
        public var headerRcode: UInt16 { flags & 0xF }
        public var questionCount: Int { Int(bytes.u16(at: Field.questionCount.lowerBound)) }
        public var answerCount: Int { Int(bytes.u16(at: Field.answerCount.lowerBound)) }
        public var authorityCount: Int { Int(bytes.u16(at: Field.authorityCount.lowerBound)) }
        public var additionalCount: Int { Int(bytes.u16(at: Field.additionalCount.lowerBound)) }
    }
}
