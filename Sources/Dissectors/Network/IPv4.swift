/// IPv4 (RFC 791).
///
///     0-0 version|IHL  1 DSCP/ECN  2-3 total length  4-5 identification
///     6-7 flags|fragment offset  8 TTL  9 protocol  10-11 checksum
///     12-15 source  16-19 destination  20.. options (IHL*4 - 20 bytes)
public enum IPv4 {
    enum Field {
        static let versionIHL = 0
        static let totalLength = 2..<4
        static let identification = 4..<6
        static let flagsFragment = 6..<8
        static let ttl = 8
        static let proto = 9
        static let source = 12..<16
        static let destination = 16..<20
    }
    static let minimumHeaderLength = Field.destination.upperBound

    public struct View {
        public let bytes: ByteSlice
        public let headerLength: Int
        /// The datagram length the header declares (the captured length when it says 0,
        /// as TCP segmentation offload leaves it).
        public let declaredLength: Int

        /// `reportedLength`: how many bytes the frame had on the wire from this header on.
        /// A total length beyond it is clamped to it, as tshark does ("IPv4 total length
        /// exceeds packet length"): the datagram cannot be longer than the frame.
        public init(validating bytes: ByteSlice, reportedLength: Int = .max) throws(DecodeError) {
            try bytes.require(IPv4.minimumHeaderLength, .ipv4)
            let first = bytes.u8(at: Field.versionIHL)
            guard first >> 4 == 4 else {
                throw DecodeError(.badValue, .ipv4, at: bytes.frameOffset, value: Int(first >> 4))
            }
            let ihl = Int(first & 0x0F) * 4
            guard ihl >= IPv4.minimumHeaderLength else {
                throw DecodeError(.badLength, .ipv4, at: bytes.frameOffset, value: ihl, limit: IPv4.minimumHeaderLength)
            }
            try bytes.require(ihl, .ipv4)
            var total = Int(bytes.u16(at: Field.totalLength.lowerBound))
            if total == 0 { total = bytes.count }
            if total > reportedLength && reportedLength >= ihl { total = reportedLength }
            guard total >= ihl else {
                throw DecodeError(
                    .badLength, .ipv4, at: bytes.frameOffset + Field.totalLength.lowerBound,
                    value: total, limit: ihl)
            }
            headerLength = ihl
            declaredLength = total
            self.bytes = bytes.prefix(total)
        }

        public var proto: UInt8 { bytes.u8(at: Field.proto) }
        public var ttl: UInt8 { bytes.u8(at: Field.ttl) }
        public var identification: UInt16 { bytes.u16(at: Field.identification.lowerBound) }
        public var source: IPAddress { IPAddress(v4: bytes.u32(at: Field.source.lowerBound)) }
        public var destination: IPAddress { IPAddress(v4: bytes.u32(at: Field.destination.lowerBound)) }
        public var moreFragments: Bool { bytes.u16(at: Field.flagsFragment.lowerBound) & 0x2000 != 0 }
        /// In bytes.
        public var fragmentOffset: Int { Int(bytes.u16(at: Field.flagsFragment.lowerBound) & 0x1FFF) * 8 }
        public var isFragment: Bool { moreFragments || fragmentOffset != 0 }
        /// The captured payload (shorter than declared when the snaplen cut it).
        public var payload: ByteSlice { bytes.dropFirst(headerLength) }
        public var declaredPayloadLength: Int { declaredLength - headerLength }
    }
}
