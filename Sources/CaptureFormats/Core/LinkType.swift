/// A LINKTYPE_ value as stored in pcap and pcapng headers (tcpdump.org's link-layer header types).
/// An open set: a value Loupe does not know is kept and counted, never rejected.
public struct LinkType: RawRepresentable, Hashable, Comparable, Sendable {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let null = LinkType(rawValue: 0)
    public static let ethernet = LinkType(rawValue: 1)
    public static let raw = LinkType(rawValue: 101)
    public static let loop = LinkType(rawValue: 108)
    public static let linuxSLL = LinkType(rawValue: 113)
    public static let ipv4 = LinkType(rawValue: 228)
    public static let ipv6 = LinkType(rawValue: 229)
    public static let nflog = LinkType(rawValue: 239)
    public static let linuxSLL2 = LinkType(rawValue: 276)

    /// The longest packet this link type carries, in captured bytes: Wireshark's
    /// `wtap_max_snaplen_for_encap` (WTAP_MAX_PACKET_SIZE_STANDARD, 262,144, for every link
    /// type Loupe decodes; larger ones, such as USB and D-Bus, are not decoded and keep it).
    /// A pcap record longer than its file's snaplen is still read up to this.
    public var maximumPacket: UInt32 { 262_144 }

    /// The pcap_datalink_val_to_name() spelling without the DLT_ prefix, as capinfos and
    /// tcpdump print it; unknown values read "LINKTYPE_<n>".
    public var name: String {
        switch rawValue {
        case 0: "NULL"
        case 1: "EN10MB"
        case 101: "RAW"
        case 108: "LOOP"
        case 113: "LINUX_SLL"
        case 127: "IEEE802_11_RADIO"
        case 105: "IEEE802_11"
        case 228: "IPV4"
        case 229: "IPV6"
        case 239: "NFLOG"
        case 253: "NETLINK"
        case 276: "LINUX_SLL2"
        default: "LINKTYPE_\(rawValue)"
        }
    }

    public static func < (a: LinkType, b: LinkType) -> Bool { a.rawValue < b.rawValue }
}
