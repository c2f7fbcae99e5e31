/// IPv6 (RFC 8200) and its extension headers.
///
///     0-3 version|traffic class|flow label  4-5 payload length  6 next header
///     7 hop limit  8-23 source  24-39 destination
public enum IPv6 {
    enum Field {
        static let payloadLength = 4..<6
        static let nextHeader = 6
        static let hopLimit = 7
        static let source = 8..<24
        static let destination = 24..<40
    }
    static let headerLength = Field.destination.upperBound
    /// Extension headers walked before the packet is called malformed.
    public static let maximumExtensionHeaders = 16

    public static let hopByHop: UInt8 = 0, routing: UInt8 = 43, fragmentHeader: UInt8 = 44
    public static let destinationOptions: UInt8 = 60, authentication: UInt8 = 51, mobility: UInt8 = 135
    public static let noNextHeader: UInt8 = 59

    public struct Fragment: Hashable, Sendable {
        public var identification: UInt32
        /// In bytes.
        public var offset: Int
        public var more: Bool
        public init(identification: UInt32, offset: Int, more: Bool) {
            self.identification = identification
            self.offset = offset
            self.more = more
        }
    }

    public struct View {
        public let bytes: ByteSlice
        public let declaredLength: Int
        /// The upper-layer protocol after the extension headers.
        public let proto: UInt8
        /// Where the upper-layer header starts.
        public let upperLayerOffset: Int
        public let fragment: Fragment?
        /// Extension headers walked (the fragment header included).
        public let extensionHeaders: Int

        /// `reportedLength`: the frame's wire bytes from this header on (see IPv4.View).
        public init(validating bytes: ByteSlice, reportedLength: Int = .max) throws(DecodeError) {
            try bytes.require(IPv6.headerLength, .ipv6)
            let version = bytes.u8(at: 0) >> 4
            guard version == 6 else { throw DecodeError(.badValue, .ipv6, at: bytes.frameOffset, value: Int(version)) }
            var payloadLength = Int(bytes.u16(at: Field.payloadLength.lowerBound))
            // 0 is a jumbogram or an offloaded segment: take what was captured.
            let unstatedLength = payloadLength == 0
            if unstatedLength { payloadLength = bytes.count - IPv6.headerLength }
            if payloadLength > reportedLength - IPv6.headerLength && reportedLength >= IPv6.headerLength {
                payloadLength = reportedLength - IPv6.headerLength
            }
            declaredLength = IPv6.headerLength + payloadLength
            let packet = bytes.prefix(declaredLength)
            var next = bytes.u8(at: Field.nextHeader)
            var at = IPv6.headerLength
            var fragment: Fragment?
            var walked = 0
            walk: while true {
                switch next {
                case IPv6.hopByHop, IPv6.routing, IPv6.destinationOptions, IPv6.mobility, IPv6.authentication:
                    walked += 1
                    guard walked <= IPv6.maximumExtensionHeaders else {
                        throw DecodeError(
                            .limit, .ipv6, at: packet.frameOffset + at, value: walked,
                            limit: IPv6.maximumExtensionHeaders)
                    }
                    try packet.dropFirst(at).require(2, .ipv6)
                    let unit = next == IPv6.authentication ? 4 : 8
                    let length = (Int(packet.u8(at: at + 1)) + (next == IPv6.authentication ? 2 : 1)) * unit
                    try packet.dropFirst(at).require(length, .ipv6)
                    next = packet.u8(at: at)
                    at += length
                case IPv6.fragmentHeader:
                    walked += 1
                    guard walked <= IPv6.maximumExtensionHeaders else {
                        throw DecodeError(
                            .limit, .ipv6, at: packet.frameOffset + at, value: walked,
                            limit: IPv6.maximumExtensionHeaders)
                    }
                    // 0 next header | 1 reserved | 2-3 offset (13 bits) | res | M | 4-7 identification
                    // A fragment must state its length: offload never fragments.
                    guard !unstatedLength else {
                        throw DecodeError(
                            .badLength, .ipv6, at: bytes.frameOffset + Field.payloadLength.lowerBound,
                            value: 0, limit: 8)
                    }
                    try packet.dropFirst(at).require(8, .ipv6)
                    let word = packet.u16(at: at + 2)
                    fragment = Fragment(
                        identification: packet.u32(at: at + 4), offset: Int(word >> 3) * 8,
                        more: word & 1 != 0)
                    next = packet.u8(at: at)
                    at += 8
                default:
                    break walk
                }
            }
            self.bytes = packet
            proto = next
            upperLayerOffset = at
            extensionHeaders = walked
            self.fragment = fragment.flatMap { $0.offset == 0 && !$0.more ? nil : $0 }
        }

        public var source: IPAddress {
            IPAddress(high: bytes.u64(at: Field.source.lowerBound), low: bytes.u64(at: Field.source.lowerBound + 8))
        }
        public var destination: IPAddress {
            IPAddress(
                high: bytes.u64(at: Field.destination.lowerBound),
                low: bytes.u64(at: Field.destination.lowerBound + 8))
        }
        public var hopLimit: UInt8 { bytes.u8(at: Field.hopLimit) }
        public var payload: ByteSlice { bytes.dropFirst(upperLayerOffset) }
        public var declaredPayloadLength: Int { declaredLength - upperLayerOffset }
    }
}

/// IP protocol numbers Loupe follows.
public enum IPProtocol {
    public static let icmp: UInt8 = 1, igmp: UInt8 = 2, tcp: UInt8 = 6, udp: UInt8 = 17
    public static let gre: UInt8 = 47, esp: UInt8 = 50, icmpv6: UInt8 = 58, sctp: UInt8 = 132
}
