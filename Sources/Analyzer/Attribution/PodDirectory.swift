import Bundles
import CaptureFormats
import Dissectors

/// Who an address was at a moment: built once from the cluster metadata (snapshot and timed
/// events), then read-only. Each address keeps the intervals during which an object held it,
/// so an IP a deleted pod gave up and a new pod took maps to each at the right time.
public final class PodDirectory: Sendable {
    public struct Pod: Sendable, Hashable {
        public var namespace: String
        public var name: String
        public var workload: String
        public var node: String?
        public var hostNetwork: Bool
        public var key: String { namespace + "/" + name }
    }

    /// What an address resolved to. Pods, services and nodes by index into their lists.
    public enum Owner: Sendable, Hashable {
        case pod(Int)
        case service(Int)
        case node(Int)
        /// A node address that hostNetwork pods also use: which of them is not knowable.
        case sharedNode(Int)
    }

    struct Interval: Sendable {
        var from: Int64
        var to: Int64
        var owner: Owner
    }

    public let pods: [Pod]
    public let services: [String]
    public let nodes: [String]
    private let intervals: [IPAddress: [Interval]]
    /// The API server: service default/kubernetes (cluster IPs and ports) and its
    /// EndpointSlice endpoints, as (address, port).
    public let apiServer: Set<Endpoint>
    public let warnings: [String]
    /// Services ("namespace/name") each address backs, from EndpointSlices (any time).
    let backends: [IPAddress: Set<String>]

    public struct Endpoint: Sendable, Hashable {
        public var address: IPAddress
        public var port: UInt16
        public init(address: IPAddress, port: UInt16) {
            self.address = address
            self.port = port
        }

        /// "10.0.0.1:443" or "[fd00::1]:6443" (the report's endpoint form), else nil.
        public init?(parsing text: String) {
            var host = Substring(text), port = Substring("")
            if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
                host = text[text.index(after: text.startIndex)..<close]
                let rest = text[text.index(after: close)...]
                guard rest.hasPrefix(":") else { return nil }
                port = rest.dropFirst()
            } else if let colon = text.lastIndex(of: ":") {
                (host, port) = (text[..<colon], text[text.index(after: colon)...])
            }
            guard let address = IPAddress(parsing: String(host)), let p = UInt16(port) else { return nil }
            self.init(address: address, port: p)
        }
    }

    public init(_ metadata: ClusterMetadata, extraAPIServers: [Endpoint] = []) {
        var builder = Builder()
        for object in metadata.objects { builder.add(object, from: .min) }
        for event in metadata.events {
            let t = Self.nanoseconds(event.time)
            switch event.kind {
            case .added: builder.add(event.object, from: t)
            case .modified:
                builder.remove(event.object.identity, at: t)
                builder.add(event.object, from: t)
            case .deleted: builder.remove(event.object.identity, at: t)
            }
        }
        pods = builder.pods
        services = builder.services
        nodes = builder.nodes
        intervals = builder.intervals
        apiServer = builder.apiServer.union(extraAPIServers)
        backends = builder.backends
        warnings = metadata.warnings + builder.warnings
    }

    /// An address from text (IPv4 or IPv6), for command-line options.
    public static func address(_ text: String) -> IPAddress? { IPAddress(parsing: text) }

    static func nanoseconds(_ seconds: Double) -> Int64 {
        let ns = seconds * 1e9
        return ns >= 9.2e18 ? .max : ns <= -9.2e18 ? .min : Int64(ns)
    }

    /// The owner of `address` at `time` (nanoseconds since the epoch): a pod first, then a
    /// service's cluster IP, then a node (shared when hostNetwork pods also held it).
    public func resolve(_ address: IPAddress, at time: Int64) -> Owner? {
        guard let list = intervals[address] else { return nil }
        var best: Owner?
        var hostNetwork = false
        for i in list where i.from <= time && time < i.to {
            switch i.owner {
            case .pod(let p):
                if pods[p].hostNetwork { hostNetwork = true } else { return i.owner }
            case .service: best = i.owner
            case .node, .sharedNode: if best == nil { best = i.owner }
            }
        }
        if case .node(let n) = best, hostNetwork { return .sharedNode(n) }
        if best == nil && hostNetwork {
            // A hostNetwork pod's address with no node object for it: the pod, if only one.
            let held = list.filter { $0.from <= time && time < $0.to }
            if held.count == 1 { return held[0].owner }
        }
        return best
    }

    /// "namespace/name" of a pod, or the service/node text, for rows.
    public func name(_ owner: Owner) -> String {
        switch owner {
        case .pod(let p): pods[p].key
        case .service(let s): "service/" + services[s]
        case .node(let n): "node/" + nodes[n]
        case .sharedNode(let n): "node/" + nodes[n] + " (hostNetwork)"
        }
    }

    /// "namespace/Kind/name" of a pod's workload (as the workloads rows key it); nil for
    /// anything but a pod.
    public func workload(_ owner: Owner) -> String? {
        guard case .pod(let p) = owner else { return nil }
        return pods[p].namespace + "/" + pods[p].workload
    }

    /// Assembles the intervals from objects in time order.
    private struct Builder {
        var pods: [Pod] = []
        var services: [String] = []
        var nodes: [String] = []
        var intervals: [IPAddress: [Interval]] = [:]
        var apiServer: Set<Endpoint> = []
        var backends: [IPAddress: Set<String>] = [:]
        var warnings: [String] = []
        /// Open intervals per object identity: (address, index in its list).
        var open: [String: [(IPAddress, Int)]] = [:]

        mutating func add(_ object: ClusterObject, from: Int64) {
            var addresses: [String] = []
            let owner: Owner
            switch object {
            case .pod(let p):
                pods.append(
                    Pod(
                        namespace: p.namespace, name: p.name, workload: p.workload, node: p.node,
                        hostNetwork: p.hostNetwork))
                owner = .pod(pods.count - 1)
                addresses = p.ips
            case .service(let s):
                services.append(s.namespace + "/" + s.name)
                owner = .service(services.count - 1)
                addresses = s.clusterIPs
                if s.namespace == "default" && s.name == "kubernetes" { addAPIServer(s.clusterIPs, s.ports) }
            case .endpointSlice(let e):
                if e.namespace == "default" && e.service == "kubernetes" { addAPIServer(e.addresses, e.ports) }
                if let service = e.service {
                    for text in e.addresses {
                        if let a = IPAddress(parsing: text) { backends[a, default: []].insert(e.namespace + "/" + service) }
                    }
                }
                return  // its addresses are pods' or nodes' (resolved as such)
            case .node(let n):
                nodes.append(n.name)
                owner = .node(nodes.count - 1)
                addresses = n.addresses
            }
            for text in addresses {
                guard let address = IPAddress(parsing: text) else {
                    warnings.append("\(object.identity): address \"\(text)\" is not an IP address, ignored")
                    continue
                }
                intervals[address, default: []].append(Interval(from: from, to: .max, owner: owner))
                open[object.identity, default: []].append((address, intervals[address]!.count - 1))
            }
        }

        mutating func remove(_ identity: String, at time: Int64) {
            for (address, index) in open[identity] ?? [] { intervals[address]![index].to = time }
            open[identity] = nil
        }

        mutating func addAPIServer(_ addresses: [String], _ ports: [Int]) {
            for text in addresses {
                guard let address = IPAddress(parsing: text) else { continue }
                for port in ports where (1...65535).contains(port) {
                    apiServer.insert(Endpoint(address: address, port: UInt16(port)))
                }
            }
        }
    }
}
