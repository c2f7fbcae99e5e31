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

/// The layers of one frame, outermost first, packed one byte each into two words (at
/// most 15 layers): appending is a masking shift and an OR. (A `UInt128` was measured
/// slower: its variable shifts branch.)
public struct LayerPath: Hashable, Sendable {
    private var low: UInt64 = 0
    private var high: UInt64 = 0
    public private(set) var count: UInt8 = 0
    public static let capacity = 15

    public init() {}

    @inline(__always)
    public mutating func append(_ layer: LayerID) {
        let c = count
        if c < 8 {
            low |= UInt64(layer.rawValue) &<< (UInt64(c) &<< 3)
        } else if c < 15 {
            high |= UInt64(layer.rawValue) &<< (UInt64(c &- 8) &<< 3)
        } else {
            return
        }
        count = c &+ 1
    }

    public mutating func removeLast() {
        guard count > 0 else { return }
        count -= 1
        if count < 8 { low &= ~(0xFF &<< (UInt64(count) &<< 3)) } else { high &= ~(0xFF &<< (UInt64(count - 8) &<< 3)) }
    }

    public subscript(i: Int) -> LayerID {
        let word = i < 8 ? low : high
        return LayerID(rawValue: UInt8(truncatingIfNeeded: word &>> (UInt64(i % 8) &<< 3))) ?? .data
    }

    public var layers: [LayerID] { (0..<Int(count)).map { self[$0] } }
    public var last: LayerID? { count == 0 ? nil : self[Int(count) - 1] }

    public func contains(_ layer: LayerID) -> Bool {
        for i in 0..<Int(count) where self[i] == layer { return true }
        return false
    }
}
