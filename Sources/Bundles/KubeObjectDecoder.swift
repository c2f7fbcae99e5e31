import CaptureFormats
/// Kubernetes objects from their JSON (the API's own field names), tolerant: unknown kinds
/// and fields are skipped, missing fields noted in `warnings`, wrong types thrown.
struct KubeObjectDecoder {
    var warnings: [String] = []

    /// Nil for kinds attribution does not use (ConfigMap, ReplicaSet, ...).
    mutating func decode(_ o: JSONFields) throws(MetadataError) -> ClusterObject? {
        let kind = try o.string("kind")
        guard let kind else {
            warnings.append("\(o.path): no kind, skipped")
            return nil
        }
        let meta = try o.object("metadata")
        let name = try meta?.string("name") ?? ""
        let namespace = try meta?.string("namespace") ?? ""
        if name.isEmpty { warnings.append("\(o.path): \(kind) without metadata.name") }
        switch kind {
        case "Pod":
            let spec = try o.object("spec"), status = try o.object("status")
            var ips = try status?.strings("podIPs", each: "ip") ?? []
            if ips.isEmpty, let ip = try status?.string("podIP") { ips = [ip] }
            if ips.isEmpty { warnings.append("\(o.path): Pod \(namespace)/\(name) has no status.podIP") }
            return .pod(
                PodRecord(
                    namespace: namespace, name: name, workload: try Self.workload(meta, pod: name),
                    node: try spec?.string("nodeName"), hostNetwork: try spec?.bool("hostNetwork") ?? false,
                    ips: ips))
        case "Service":
            let spec = try o.object("spec")
            var ips = try spec?.strings("clusterIPs") ?? []
            if ips.isEmpty, let ip = try spec?.string("clusterIP") { ips = [ip] }
            let ports = try spec?.integers("ports", each: "port") ?? []
            return .service(
                ServiceRecord(
                    namespace: namespace, name: name, clusterIPs: ips.filter { $0 != "None" },
                    ports: ports))
        case "EndpointSlice":
            let service = try meta?.object("labels")?.string("kubernetes.io/service-name")
            var addresses: [String] = []
            for e in try o.objects("endpoints") { addresses += try e.strings("addresses") }
            let ports = try o.integers("ports", each: "port")
            return .endpointSlice(
                EndpointSliceRecord(
                    namespace: namespace, name: name, service: service,
                    addresses: addresses, ports: ports))
        case "Node":
            var addresses: [String] = []
            for a in try o.object("status")?.objects("addresses") ?? [] {
                let type = try a.string("type")
                if type == "InternalIP" || type == "ExternalIP", let address = try a.string("address") {
                    addresses.append(address)
                }
            }
            return .node(NodeRecord(name: name, addresses: addresses))
        default:
            return nil
        }
    }

    /// The controller owner, with a Deployment's ReplicaSet folded into the Deployment
    /// (its name is `<deployment>-<pod-template-hash>`).
    static func workload(_ meta: JSONFields?, pod: String) throws(MetadataError) -> String {
        let owners = try meta?.objects("ownerReferences") ?? []
        var owner = owners.first
        for o in owners where try o.bool("controller") == true { owner = o; break }
        guard let owner, let kind = try owner.string("kind"), let name = try owner.string("name") else { return "Pod/" + pod }
        if kind == "ReplicaSet" {
            let hash = try meta?.object("labels")?.string("pod-template-hash")
            if let hash, name.hasSuffix("-" + hash) { return "Deployment/" + name.dropLast(hash.count + 1) }
        }
        return kind + "/" + name
    }
}
