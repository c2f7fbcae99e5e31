/// Every protocol layer Loupe names, as one byte (so a frame's layer path packs into a
/// fixed-size value). Names are tshark's protocol filter names where one exists.
public enum LayerID: UInt8, Sendable, CaseIterable, Codable {
    case ethernet = 1, vlan, linuxSLL, linuxSLL2, null, nflog, raw
    case arp, ipv4, ipv6, tcp, udp, icmp, icmpv6, igmp, gre, esp, sctp
    case vxlan, geneve
    case dns, tls, http, quic
    /// A link type, ethertype or IP protocol Loupe does not decode: counted, not fatal.
    case unknownLink, unknownEthertype, unknownTransport
    /// A non-first IP fragment: its bytes belong to a datagram reassembled elsewhere.
    case fragment
    /// Payload bytes Loupe does not recognise ("data" in tshark).
    case data
    /// The layer that failed to decode is followed by this marker.
    case malformed

    public var name: String {
        switch self {
        case .ethernet: "eth"
        case .vlan: "vlan"
        case .linuxSLL: "sll"
        case .linuxSLL2: "sll"  // tshark names both cooked versions "sll"
        case .null: "null"
        case .nflog: "nflog"
        case .raw: "raw"
        case .arp: "arp"
        case .ipv4: "ip"
        case .ipv6: "ipv6"
        case .tcp: "tcp"
        case .udp: "udp"
        case .icmp: "icmp"
        case .icmpv6: "icmpv6"
        case .igmp: "igmp"
        case .gre: "gre"
        case .esp: "esp"
        case .sctp: "sctp"
        case .vxlan: "vxlan"
        case .geneve: "geneve"
        case .dns: "dns"
        case .tls: "tls"
        case .http: "http"
        case .quic: "quic"
        case .unknownLink: "unknown-link"
        case .unknownEthertype: "unknown-ethertype"
        case .unknownTransport: "unknown-ip-proto"
        case .fragment: "ip-fragment"
        case .data: "data"
        case .malformed: "_ws.malformed"
        }
    }
}

/// The layers of one frame, outermost first, packed into 16 bytes (at most 15 layers).
public struct LayerPath: Hashable, Sendable {
    private var low: UInt64 = 0
    private var high: UInt64 = 0
    public private(set) var count: UInt8 = 0
    public static let capacity = 15

    public init() {}

    public mutating func append(_ layer: LayerID) {
        guard count < Self.capacity else { return }
        let shift = UInt64(count % 8) * 8
        if count < 8 { low |= UInt64(layer.rawValue) << shift } else { high |= UInt64(layer.rawValue) << shift }
        count += 1
    }

    public mutating func removeLast() {
        guard count > 0 else { return }
        count -= 1
        let shift = UInt64(count % 8) * 8
        if count < 8 { low &= ~(0xFF << shift) } else { high &= ~(0xFF << shift) }
    }

    public subscript(i: Int) -> LayerID {
        let word = i < 8 ? low : high
        return LayerID(rawValue: UInt8(truncatingIfNeeded: word >> (UInt64(i % 8) * 8))) ?? .data
    }

    public var layers: [LayerID] { (0 ..< Int(count)).map { self[$0] } }
    public var last: LayerID? { count == 0 ? nil : self[Int(count) - 1] }

    public func contains(_ layer: LayerID) -> Bool {
        for i in 0 ..< Int(count) where self[i] == layer { return true }
        return false
    }
}
