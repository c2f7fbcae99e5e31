import Dissectors

/// What an address can belong to. Only `unicast` can be a pod's, a Service's or a node's
/// routable address; the others are counted and named apart by attribution (IPv6 neighbour
/// discovery between a node's own interfaces is link-local and multicast, not pod traffic).
enum AddressScope: Int, CaseIterable {
    case unicast, linkLocal, multicast, broadcast, loopback, unspecified

    var name: String {
        switch self {
        case .unicast: "unicast"
        case .linkLocal: "linkLocal"
        case .multicast: "multicast"
        case .broadcast: "broadcast"
        case .loopback: "loopback"
        case .unspecified: "unspecified"
        }
    }

    /// IPv4: 169.254/16 link-local, 224/4 multicast, 255.255.255.255 broadcast, 127/8
    /// loopback, 0.0.0.0. IPv6: fe80::/10, ff00::/8, ::1, ::.
    init(_ a: IPAddress) {
        if a.isV4 {
            let v = a.v4
            if v == 0 { self = .unspecified } else if v == 0xFFFF_FFFF { self = .broadcast } else if v >> 28 == 0xE {
                self = .multicast
            } else if v >> 24 == 127 { self = .loopback } else if v >> 16 == 0xA9FE { self = .linkLocal } else {
                self = .unicast
            }
            return
        }
        if a.high >> 56 == 0xFF { self = .multicast } else if a.high >> 54 == 0x3FA { self = .linkLocal } else if a.high == 0
            && a.low == 1 { self = .loopback } else if a.high == 0 && a.low == 0 { self = .unspecified } else {
            self = .unicast
        }
    }

    /// The scope a flow is counted under when neither end is unicast: the more telling end's.
    static func of(_ a: IPAddress, _ b: IPAddress) -> AddressScope {
        let x = AddressScope(a), y = AddressScope(b)
        if x == .unicast || y == .unicast { return .unicast }
        for s in [AddressScope.multicast, .broadcast, .linkLocal, .loopback] where x == s || y == s { return s }
        return .unspecified
    }
}
