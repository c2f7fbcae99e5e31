/// ICMP and ICMPv6: messages by type, and the errors that name a flow: destinations
/// unreachable, and the path-MTU signals (IPv4 Fragmentation Needed, ICMPv6 Packet Too Big)
/// whose loss or filtering makes the black holes of overlay networks.
public struct ICMPSection: Codable, Sendable, Equatable {
    public var messages = 0
    /// By type name ("echoRequest", "destinationUnreachable", "packetTooBig", "icmp type 42").
    public var byType: [String: Int] = [:]
    public var unreachable = RowList<ICMPErrorRow>(total: 0, rows: [])
    public var fragmentationNeeded = RowList<ICMPErrorRow>(total: 0, rows: [])
    public init() {}
}

/// One ICMP error: who sent it (`from`, a router or the destination host) to whom (`to`: the
/// sender of the packet it answers), and that packet's ends as quoted (`flowClient` sent it
/// to `flowServer`; "ip:port" when ports were quoted, else the address).
public struct ICMPErrorRow: Codable, Sendable, Equatable {
    public var timestamp: Double = 0
    public var from = ""
    public var to = ""
    public var code = 0
    public var flowClient = ""
    public var flowServer = ""
    /// Fragmentation Needed and Packet Too Big: the next hop's MTU (bytes; 0 when the router
    /// did not say, as pre-RFC 1191 routers do).
    @Null public var mtu: Int?
    public init() {}

    enum CodingKeys: String, CodingKey {
        case code, flowClient, flowServer, from, mtu, timestamp, to
    }
}
