import Dissectors

/// A connection seen on both sides of a Service's NAT (kube-proxy's DNAT): before it, the
/// client's address and port to the Service's cluster IP; after it, the same client address
/// and port to a pod the Service's EndpointSlices list, starting within `window`. Each pair
/// names the Service on the backend flow and the backend pod on the cluster-IP flow.
struct ServiceNATPairs {
    static let window: Int64 = 2_000_000_000
    static let limit = 100_000

    struct Client: Hashable {
        var address: IPAddress
        var port: UInt16
    }

    struct Side {
        var key: String
        var time: Int64
    }

    /// Client -> Service seen to a cluster IP (key: "namespace/name").
    private var toService: [Client: Side] = [:]
    /// Client -> backend pod flows (key: the pod's name), for pods that back a Service.
    private var toBackend: [Client: Side] = [:]
    let directory: PodDirectory

    init(directory: PodDirectory) { self.directory = directory }

    mutating func flowFinished(_ flow: Flow, _ owners: FlowOwners) {
        guard flow.key.ipProtocol == IPProtocol.tcp || flow.key.ipProtocol == IPProtocol.udp else { return }
        let k = flow.key
        let (client, server) =
            flow.clientIsLow
            ? (Client(address: k.lowAddress, port: k.lowPort), owners.high)
            : (Client(address: k.highAddress, port: k.highPort), owners.low)
        let serverAddress = flow.clientIsLow ? k.highAddress : k.lowAddress
        switch server {
        case .service(let s):
            if toService.count < Self.limit { toService[client] = Side(key: directory.services[s], time: flow.firstSeen) }
        case .pod(let p) where directory.backends[serverAddress] != nil:
            if toBackend.count < Self.limit { toBackend[client] = Side(key: directory.pods[p].key, time: flow.firstSeen) }
        default: break
        }
    }

    /// Client endpoint -> (service, backend pod) for the sides that pair up.
    /// Adds another table's sides. A client seen by both keeps the side whose flow started
    /// later (within one table, the flow that finished later wins; across the two, the
    /// finishing order is not known). Taken in client order, so which sides enter past
    /// `limit` does not follow hashing.
    mutating func merge(_ other: ServiceNATPairs) {
        Self.merge(other.toService, into: &toService)
        Self.merge(other.toBackend, into: &toBackend)
    }

    private static func merge(_ other: [Client: Side], into mine: inout [Client: Side]) {
        for (client, side) in other.sorted(by: { ($0.key.address, $0.key.port) < ($1.key.address, $1.key.port) }) {
            if let kept = mine[client] {
                if kept.time < side.time { mine[client] = side }
            } else if mine.count < limit {
                mine[client] = side
            }
        }
    }

    func pairs() -> [Client: (service: String, pod: String)] {
        var out: [Client: (service: String, pod: String)] = [:]
        for (client, service) in toService {
            guard let backend = toBackend[client], abs(backend.time - service.time) <= Self.window else { continue }
            out[client] = (service.key, backend.key)
        }
        return out
    }
}
