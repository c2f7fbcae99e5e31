import CaptureFormats
/// The Kubernetes objects Loupe attributes traffic with, reduced to what attribution needs.
/// Read from `kubectl get pods,services,endpointslices,nodes -A -o json` (a v1 List) or from
/// Loupe's own sidecar (`ClusterMetadata`). Addresses stay text here; the analyzer parses them.
public enum ClusterObject: Sendable, Equatable {
    case pod(PodRecord)
    case service(ServiceRecord)
    case endpointSlice(EndpointSliceRecord)
    case node(NodeRecord)

    /// "Kind/namespace/name": what an update or delete event refers to.
    public var identity: String {
        switch self {
        case .pod(let p): "Pod/\(p.namespace)/\(p.name)"
        case .service(let s): "Service/\(s.namespace)/\(s.name)"
        case .endpointSlice(let e): "EndpointSlice/\(e.namespace)/\(e.name)"
        case .node(let n): "Node//\(n.name)"
        }
    }
}

public struct PodRecord: Sendable, Equatable {
    public var namespace: String
    public var name: String
    /// "Deployment/api", "StatefulSet/db", "DaemonSet/agent", "Job/x", or "Pod/<name>" for a
    /// pod without a controller. A ReplicaSet named `<deployment>-<pod-template-hash>` is
    /// folded into its Deployment.
    public var workload: String
    public var node: String?
    public var hostNetwork: Bool
    public var ips: [String]

    public init(namespace: String, name: String, workload: String, node: String?, hostNetwork: Bool, ips: [String]) {
        self.namespace = namespace
        self.name = name
        self.workload = workload
        self.node = node
        self.hostNetwork = hostNetwork
        self.ips = ips
    }
}

public struct ServiceRecord: Sendable, Equatable {
    public var namespace: String
    public var name: String
    public var clusterIPs: [String]
    public var ports: [Int]

    public init(namespace: String, name: String, clusterIPs: [String], ports: [Int]) {
        self.namespace = namespace
        self.name = name
        self.clusterIPs = clusterIPs
        self.ports = ports
    }
}

public struct EndpointSliceRecord: Sendable, Equatable {
    public var namespace: String
    public var name: String
    /// The service it belongs to (label `kubernetes.io/service-name`).
    public var service: String?
    public var addresses: [String]
    public var ports: [Int]

    public init(namespace: String, name: String, service: String?, addresses: [String], ports: [Int]) {
        self.namespace = namespace
        self.name = name
        self.service = service
        self.addresses = addresses
        self.ports = ports
    }
}

public struct NodeRecord: Sendable, Equatable {
    public var name: String
    /// InternalIP and ExternalIP addresses.
    public var addresses: [String]

    public init(name: String, addresses: [String]) {
        self.name = name
        self.addresses = addresses
    }
}
