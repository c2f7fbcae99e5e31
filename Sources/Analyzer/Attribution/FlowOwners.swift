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
    /// Flows with a unicast end (those that can be a pod's, a Service's or a node's), and
    /// those of them resolved; the rest counted by scope (`AddressScope`).
    private(set) var unicastFlows = 0
    private(set) var resolvedUnicastFlows = 0
    private(set) var flowsByScope = [Int](repeating: 0, count: AddressScope.allCases.count)
    /// Unresolved addresses: packets and flows, at most `unknownLimit` addresses.
    private(set) var unknown: [IPAddress: (packets: Int, flows: Int)] = [:]
    static let unknownLimit = 10_000

    init(directory: PodDirectory) { self.directory = directory }

    /// Who each end of `flow` was at its first packet (nothing counted).
    func owners(of flow: Flow) -> FlowOwners {
        let time = flow.firstSeen
        return FlowOwners(
            low: directory.resolve(flow.key.lowAddress, at: time),
            high: directory.resolve(flow.key.highAddress, at: time))
    }

    mutating func flowFinished(_ flow: Flow) -> FlowOwners {
        let owners = owners(of: flow)
        flows += 1
        packets += flow.packets
        let resolved = owners.low != nil || owners.high != nil
        if resolved {
            resolvedFlows += 1
            resolvedPackets += flow.packets
        }
        let scope = AddressScope.of(flow.key.lowAddress, flow.key.highAddress)
        flowsByScope[scope.rawValue] += 1
        if scope == .unicast {
            unicastFlows += 1
            if resolved { resolvedUnicastFlows += 1 }
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
        unicastFlows += other.unicastFlows
        resolvedUnicastFlows += other.resolvedUnicastFlows
        for i in flowsByScope.indices { flowsByScope[i] += other.flowsByScope[i] }
        for (address, n) in other.unknown.sorted(by: { $0.key < $1.key }) {
            if unknown[address] == nil && unknown.count >= Self.unknownLimit { continue }
            unknown[address, default: (0, 0)].packets += n.packets
            unknown[address, default: (0, 0)].flows += n.flows
        }
    }

    /// Only unicast addresses are listed as unknown: link-local, multicast, broadcast and
    /// loopback ones are nobody's (their flows are counted in `flowsByScope`).
    private mutating func noteUnknown(_ address: IPAddress, _ packets: Int) {
        guard AddressScope(address) == .unicast else { return }
        if unknown[address] == nil && unknown.count >= Self.unknownLimit { return }
        unknown[address, default: (0, 0)].packets += packets
        unknown[address, default: (0, 0)].flows += 1
    }
}
