import Dissectors

/// `--pod`, `--namespace`, `--workload`: the report's sections keep only traffic with at
/// least one end in a selected pod (resolved at each packet's time). Capture totals, the
/// summary figures and attribution coverage still describe the whole capture.
public struct PodFilter: Sendable {
    /// "namespace/name" or a bare name.
    public var pods: Set<String> = []
    public var namespaces: Set<String> = []
    /// "Deployment/web", or "namespace/Deployment/web", or a bare "web".
    public var workloads: Set<String> = []

    public init(pods: [String] = [], namespaces: [String] = [], workloads: [String] = []) {
        self.pods = Set(pods)
        self.namespaces = Set(namespaces)
        self.workloads = Set(workloads)
    }

    public var isEmpty: Bool { pods.isEmpty && namespaces.isEmpty && workloads.isEmpty }

    /// Pod indices of the directory that the filter selects (computed once).
    func selected(in directory: PodDirectory) -> Set<Int> {
        var out: Set<Int> = []
        for (i, p) in directory.pods.enumerated() {
            let bareWorkload = p.workload.split(separator: "/").last.map(String.init) ?? p.workload
            if pods.contains(p.key) || pods.contains(p.name) || namespaces.contains(p.namespace)
                || workloads.contains(p.workload) || workloads.contains(p.namespace + "/" + p.workload)
                || workloads.contains(bareWorkload)
            {
                out.insert(i)
            }
        }
        return out
    }
}

/// The filter applied: a packet passes when either address belongs to a selected pod then.
struct PodSelection {
    let directory: PodDirectory
    let pods: Set<Int>

    func matches(_ a: IPAddress, _ b: IPAddress, at time: Int64) -> Bool {
        if case .pod(let p) = directory.resolve(a, at: time), pods.contains(p) { return true }
        if case .pod(let p) = directory.resolve(b, at: time), pods.contains(p) { return true }
        return false
    }
}
