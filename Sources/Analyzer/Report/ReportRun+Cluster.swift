import Dissectors
import Bundles
import Foundation
import Reports

/// The cluster a run's pods and node come from (`loupe report`, `loupe extract`).
extension ReportRun {
    /// The pods of `--pods` files, else of the bundle's metadata, with each bundle's node
    /// added unless the metadata has it: the directory, and the metadata files it was read
    /// from (the report lists them), and the metadata read. Nil without metadata.
    static func clusterDirectory(
        _ bundle: BundleDirectory.Contents, metadataPaths: [String]
    ) throws
        -> (directory: PodDirectory?, metadataPaths: [String], metadata: ClusterMetadata)
    {
        var paths = metadataPaths.isEmpty ? bundle.metadata : metadataPaths
        var metadata = ClusterMetadata()
        for path in paths { metadata.merge(try ClusterMetadata.load(path: path)) }
        // A bundle (Retina's capture, loupe-agent's) names its node and carries the node's
        // addresses: the node is added unless the metadata has it, with the addresses no pod
        // or node claims (none left: nothing to add).
        for directory in bundle.directories {
            let known = metadata.objects.compactMap { o -> NodeRecord? in if case .node(let n) = o { n } else { nil } }
            guard var node = BundleNode.node(in: directory, knownNodes: known.map(\.name)),
                !known.contains(where: { $0.name == node.name })
            else { continue }
            let claimed = Set(
                metadata.objects.flatMap { o -> [String] in
                    switch o {
                    case .pod(let p): p.ips
                    case .node(let n): n.addresses
                    default: []
                    }
                })
            node.addresses.removeAll { claimed.contains($0) }
            guard !node.addresses.isEmpty else { continue }
            metadata.objects.append(.node(node))
            let source =
                FileManager.default.fileExists(atPath: directory + "/ip-resources.txt")
                ? "ip-resources.txt" : "node-addresses.json"
            paths.append(directory + "/" + source)
        }
        return (paths.isEmpty ? nil : PodDirectory(metadata), paths, metadata)
    }
}

extension ReportRun {
    /// Per capture, the node its bundle directory names (loupe-agent's manifest, a Retina
    /// capture's name) and the node's interfaces by index (`node-addresses.json`); empty for a
    /// capture outside a bundle: the observation points' nodes and cooked v2 interface names.
    static func captureOrigins(_ bundle: BundleDirectory.Contents) -> [CaptureOrigin] {
        let named = bundle.directories.map { d -> (String, CaptureOrigin) in
            (
                d.hasSuffix("/") ? d : d + "/",
                CaptureOrigin(
                    node: BundleNode.node(in: d)?.name, interfaces: BundleNode.interfaces(in: d),
                    podAddresses: BundleNode.podAddresses(in: d).mapValues { $0.compactMap(IPAddress.init(parsing:)) })
            )
        }
        return bundle.captures.map { path in named.first { path.hasPrefix($0.0) }?.1 ?? CaptureOrigin() }
    }

    /// Per kernel event file, the nanoseconds its node's records are shifted by (`shifts`, per
    /// capture): those of a capture in the same bundle directory (0 when none).
    static func eventShifts(_ bundle: BundleDirectory.Contents, shifts: [Int64]) -> [Int64] {
        bundle.events.map { events in
            let dir = events.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/") + "/"
            guard let i = bundle.captures.firstIndex(where: { $0.hasPrefix(dir) }), i < shifts.count else { return 0 }
            return shifts[i]
        }
    }

    /// The node the capture was taken on, when one is known: the metadata's only node, else
    /// the only node its pods run on, else the only node the inputs' names give.
    static func captureNode(_ metadata: ClusterMetadata, paths: [String]) -> String? {
        var nodes = Set<String>(), podNodes = Set<String>()
        for o in metadata.objects {
            switch o {
            case .node(let n): nodes.insert(n.name)
            case .pod(let p): if let node = p.node { podNodes.insert(node) }
            default: break
            }
        }
        if nodes.count == 1 { return nodes.first }
        if nodes.isEmpty && podNodes.count == 1 { return podNodes.first }
        let named = Set(paths.map(ObservationPoints.nodeName))
        return nodes.isEmpty && podNodes.isEmpty && named.count == 1 ? named.first : nil
    }

    /// The labels every metric series carries: those given, then `instance` (unless given)
    /// naming the one node the capture is of (the metadata's node, else the capture file's),
    /// as a scrape of that node would. With several nodes there is no one instance to name.
    static func constantLabels(_ given: [MetricsModel.Label], report: Report, nodes: [String]) -> [MetricsModel.Label] {
        var labels = given
        guard !given.contains(where: { $0.name == "instance" }) else { return labels }
        let metadataNodes = report.attribution.nodes.map(\.name)
        if let node = metadataNodes.count == 1 ? metadataNodes[0] : nodes.count == 1 ? nodes[0] : nil {
            labels.append(MetricsModel.Label(name: "instance", value: node))
        }
        return labels
    }
}
