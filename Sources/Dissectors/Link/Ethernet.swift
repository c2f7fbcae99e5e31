/// Ethernet II and 802.1Q / 802.1ad tags.
public enum Ethernet {
    /// 0-5 destination | 6-11 source | 12-13 EtherType (or 802.3 length)
    enum Field {
        static let destination = 0..<6
        static let source = 6..<12
        static let etherType = 12..<14
    }
    static let headerLength = Field.etherType.upperBound

    /// Tag protocol identifiers: 802.1Q, 802.1ad (QinQ outer), and the pre-standard 0x9100.
    public static func isVLANTag(_ etherType: UInt16) -> Bool {
        etherType == 0x8100 || etherType == 0x88A8 || etherType == 0x9100
    }
    /// More stacked tags than this is not a real frame.
    public static let maximumTags = 4

    public struct View {
        public let bytes: ByteSlice
        public init(validating bytes: ByteSlice) throws(DecodeError) {
            try bytes.require(Ethernet.headerLength, .ethernet)
            self.bytes = bytes
        }
        public var etherType: UInt16 { bytes.u16(at: Field.etherType.lowerBound) }
        public var payload: ByteSlice { bytes.dropFirst(Ethernet.headerLength) }
    }

    /// 802.1Q tag after the TPID: 0-1 PCP/DEI/VID | 2-3 inner EtherType
    public struct VLANView {
        public let bytes: ByteSlice
        public init(validating bytes: ByteSlice) throws(DecodeError) {
            try bytes.require(4, .vlan)
            self.bytes = bytes
        }
        public var vlanID: UInt16 { bytes.u16(at: 0) & 0x0FFF }
        public var etherType: UInt16 { bytes.u16(at: 2) }
        public var payload: ByteSlice { bytes.dropFirst(4) }
    }
}

/// EtherType values Loupe follows.
public enum EtherType {
    public static let ipv4: UInt16 = 0x0800
    public static let arp: UInt16 = 0x0806
    /// Reverse ARP (RFC 903), shown as ARP as tshark does.
    public static let rarp: UInt16 = 0x8035
    public static let ipv6: UInt16 = 0x86DD
    /// Transparent Ethernet bridging, the payload type of Geneve and GRE carrying frames.
    public static let transparentEthernet: UInt16 = 0x6558
}
