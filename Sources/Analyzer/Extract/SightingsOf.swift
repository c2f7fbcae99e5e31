import Dissectors
import Reports

/// `loupe extract --all-points`: the packets of some flows, found in one pass (as the analyses
/// saw them, one sighting each), then every sighting of them in the next: a frame is one when
/// its sighting identity (`SightingKey`) is one of theirs and it keeps one of their endpoints
/// (NAT rewrites one end, never both: the rule the sightings stage itself uses).
///
/// Bound: `maximumPackets` identities (later packets' sightings are not written, and that
/// is said: `full`).
final class SightingsOf: PassAnalysis, @unchecked Sendable {
    let ipProtocols: [UInt8] = Array(0...255)
    static let maximumPackets = 1 << 20
    private let flowSerials: Set<Int>
    private var identities = Set<UInt64>()
    private var endpoints = Set<Endpoint>()
    private(set) var full = false

    private struct Endpoint: Hashable {
        var address: IPAddress
        var port: UInt16
    }

    init(flowSerials: Set<Int>) { self.flowSerials = flowSerials }

    func packet(_ frame: borrowing DecodedFrame, _ p: PassPacket) {
        guard flowSerials.contains(p.flowSerial) else { return }
        guard identities.count < Self.maximumPackets else { return full = true }
        identities.insert(SightingKey.identity(frame))
        endpoints.insert(Endpoint(address: frame.source, port: frame.sourcePort))
        endpoints.insert(Endpoint(address: frame.destination, port: frame.destinationPort))
    }

    /// A sighting of one of the packets.
    func matches(_ frame: borrowing DecodedFrame) -> Bool {
        let source = Endpoint(address: frame.source, port: frame.sourcePort)
        let destination = Endpoint(address: frame.destination, port: frame.destinationPort)
        guard endpoints.contains(source) || endpoints.contains(destination) else { return false }
        return identities.contains(SightingKey.identity(frame))
    }

    func write(into report: inout Report, rows: Int) {}
}
