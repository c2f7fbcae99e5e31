import Dissectors

/// The API-server endpoints, asked about on every TCP segment with payload: a bit per port
/// answers most segments (not an endpoint's port) without hashing, and the few endpoints a
/// cluster has are compared in a list (a `Set` hashed each segment's ports and addresses
/// through SipHash: measured, 3% of `loupe report`'s pass thread).
struct EndpointSet {
    let all: Set<PodDirectory.Endpoint>
    private var portBits = [UInt64](repeating: 0, count: 1024)
    /// The endpoints in a list when there are few (else the set is asked).
    private let list: [PodDirectory.Endpoint]?
    static let listed = 16

    init(_ endpoints: Set<PodDirectory.Endpoint>) {
        all = endpoints
        list = endpoints.count <= Self.listed ? Array(endpoints) : nil
        for e in endpoints { portBits[Int(e.port) >> 6] |= 1 << UInt64(e.port & 63) }
    }

    @inline(__always)
    func hasPort(_ port: UInt16) -> Bool { portBits[Int(port) >> 6] & (1 << UInt64(port & 63)) != 0 }

    @inline(__always)
    func contains(_ address: IPAddress, _ port: UInt16) -> Bool {
        guard hasPort(port) else { return false }
        guard let list else { return all.contains(.init(address: address, port: port)) }
        for e in list where e.port == port && e.address == address { return true }
        return false
    }
}
