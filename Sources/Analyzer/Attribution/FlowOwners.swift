import Dissectors

/// Who each end of a flow was when it began (nil: unknown).
struct FlowOwners {
    var low: PodDirectory.Owner?
    var high: PodDirectory.Owner?

    func of(clientIsLow: Bool) -> (client: PodDirectory.Owner?, server: PodDirectory.Owner?) {
        clientIsLow ? (low, high) : (high, low)
    }

    /// The pods among the two ends (a flow between two pods counts for both).
    var pods: [Int] {
        var out: [Int] = []
        if case .pod(let p) = low { out.append(p) }
        if case .pod(let p) = high, out.first != p { out.append(p) }
        return out
    }
}

/// The attribution section's counts: every finished flow resolved at its first packet's
/// time (a flow keeps one owner per end: IP reuse within a flow is not followed).
struct AttributionCounter {
    let directory: PodDirectory
    private(set) var packets = 0
    private(set) var flows = 0
    private(set) var resolvedPackets = 0
    private(set) var resolvedFlows = 0
    private(set) var ambiguousFlows = 0
    /// Unresolved addresses: packets and flows, at most `unknownLimit` addresses.
    private(set) var unknown: [IPAddress: (packets: Int, flows: Int)] = [:]
    static let unknownLimit = 10_000

    init(directory: PodDirectory) { self.directory = directory }

    /// Who each end of `flow` was at its first packet (nothing counted).
    func owners(of flow: Flow) -> FlowOwners {
        let time = flow.firstSeen
        return FlowOwners(low: directory.resolve(flow.key.lowAddress, at: time),
                          high: directory.resolve(flow.key.highAddress, at: time))
    }

    mutating func flowFinished(_ flow: Flow) -> FlowOwners {
        let owners = owners(of: flow)
        flows += 1
        packets += flow.packets
        if owners.low != nil || owners.high != nil {
            resolvedFlows += 1
            resolvedPackets += flow.packets
        }
        for owner in [owners.low, owners.high] { if case .sharedNode = owner { ambiguousFlows += 1; break } }
        if owners.low == nil { noteUnknown(flow.key.lowAddress, flow.packets) }
        if owners.high == nil && flow.key.highAddress != flow.key.lowAddress { noteUnknown(flow.key.highAddress, flow.packets) }
        return owners
    }

    /// Adds another counter's flows. Unknown addresses past `unknownLimit` are the one
    /// order-dependent part: the other's are added in address order until the limit.
    mutating func merge(_ other: AttributionCounter) {
        packets += other.packets
        flows += other.flows
        resolvedPackets += other.resolvedPackets
        resolvedFlows += other.resolvedFlows
        ambiguousFlows += other.ambiguousFlows
        for (address, n) in other.unknown.sorted(by: { $0.key < $1.key }) {
            if unknown[address] == nil && unknown.count >= Self.unknownLimit { continue }
            unknown[address, default: (0, 0)].packets += n.packets
            unknown[address, default: (0, 0)].flows += n.flows
        }
    }

    /// Multicast, broadcast and unspecified addresses are nobody's: not listed as unknown.
    static func isHost(_ a: IPAddress) -> Bool {
        if a.isV4 {
            let v = a.v4
            return v >> 28 != 0xE && v != 0xFFFF_FFFF && v != 0
        }
        return a.high >> 56 != 0xFF && !(a.high == 0 && a.low == 0)
    }

    private mutating func noteUnknown(_ address: IPAddress, _ packets: Int) {
        guard Self.isHost(address) else { return }
        if unknown[address] == nil && unknown.count >= Self.unknownLimit { return }
        unknown[address, default: (0, 0)].packets += packets
        unknown[address, default: (0, 0)].flows += 1
    }
}
