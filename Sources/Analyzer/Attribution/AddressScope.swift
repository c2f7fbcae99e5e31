import Dissectors

/// What an address can belong to. Only `unicast` can be a pod's, a Service's or a node's
/// routable address; the others are counted and named apart by attribution (IPv6 neighbour
/// discovery between a node's own interfaces is link-local and multicast, not pod traffic).
enum AddressScope: Int, CaseIterable {
    case unicast, linkLocal, multicast, broadcast, loopback, unspecified

    /// The case's name, as the JSON spells it.
    var name: String { String(describing: self) }

    /// IPv4: 169.254/16 link-local, 224/4 multicast, 255.255.255.255 broadcast, 127/8
    /// loopback, 0.0.0.0. IPv6: fe80::/10, ff00::/8, ::1, ::.
    init(_ a: IPAddress) {
        self = a.isV4 ? Self.v4(a.v4) : Self.v6(high: a.high, low: a.low)
    }

    private static func v4(_ v: UInt32) -> AddressScope {
        if v == 0 { return .unspecified }
        if v == 0xFFFF_FFFF { return .broadcast }
        if v >> 28 == 0xE { return .multicast }
        if v >> 24 == 127 { return .loopback }
        if v >> 16 == 0xA9FE { return .linkLocal }
        return .unicast
    }

    private static func v6(high: UInt64, low: UInt64) -> AddressScope {
        if high >> 56 == 0xFF { return .multicast }
        if high >> 54 == 0x3FA { return .linkLocal }
        if high == 0 && low == 1 { return .loopback }
        if high == 0 && low == 0 { return .unspecified }
        return .unicast
    }

    /// The scope a flow is counted under when neither end is unicast: the more telling end's.
    static func of(_ a: IPAddress, _ b: IPAddress) -> AddressScope {
        let x = AddressScope(a), y = AddressScope(b)
        if x == .unicast || y == .unicast { return .unicast }
        for s in [AddressScope.multicast, .broadcast, .linkLocal, .loopback] where x == s || y == s { return s }
        return .unspecified
    }
}
