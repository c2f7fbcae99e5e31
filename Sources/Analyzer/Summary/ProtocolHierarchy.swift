import Dissectors
import Reports

/// Packets and bytes per layer path, like `tshark -z io,phs`. A capture has a few dozen
/// distinct paths, so a short array searched from the last hit beats hashing.
struct ProtocolHierarchy {
    /// Beyond this many distinct paths, new ones are counted under their first layers only.
    static let maximumPaths = 4096
    private struct Entry {
        var path: LayerPath
        var packets = 0
        var bytes = 0
    }
    private var entries: [Entry] = []
    private var lastHit = 0
    /// False: nothing is counted (a pass whose report has no hierarchy).
    let enabled: Bool

    init(enabled: Bool = true) { self.enabled = enabled }

    @inline(__always)
    mutating func count(_ path: LayerPath, bytes length: Int) {
        guard enabled else { return }
        if lastHit < entries.count && entries[lastHit].path == path {
            entries[lastHit].packets += 1
            entries[lastHit].bytes &+= length
            return
        }
        var i = 0
        while i < entries.count && entries[i].path != path { i += 1 }
        if i == entries.count {
            guard entries.count < Self.maximumPaths else { return }
            entries.append(Entry(path: path))
        }
        entries[i].packets += 1
        entries[i].bytes &+= length
        lastHit = i
    }

    private var paths: [LayerPath] { entries.map(\.path) }
    private var packets: [Int] { entries.map(\.packets) }
    private var bytes: [Int] { entries.map(\.bytes) }

    /// Frames containing each layer (once per frame, however often it appears).
    func layerFrames() -> [String: Int] {
        var out: [String: Int] = [:]
        for (i, path) in paths.enumerated() {
            for layer in Set(path.layers) { out[layer.name, default: 0] += packets[i] }
        }
        return out
    }

    /// Rows depth-first; siblings by packets (most first), then name.
    func rows() -> [ProtocolRow] {
        final class Node {
            var name: String
            var packets = 0, bytes = 0
            var children: [String: Node] = [:]
            init(_ name: String) { self.name = name }
        }
        let root = Node("")
        for (i, path) in paths.enumerated() {
            var node = root
            for layer in path.layers {
                let child = node.children[layer.name] ?? Node(layer.name)
                node.children[layer.name] = child
                child.packets += packets[i]
                child.bytes &+= bytes[i]
                node = child
            }
        }
        var out: [ProtocolRow] = []
        func walk(_ node: Node, _ prefix: String, _ depth: Int) {
            let kids = node.children.values.sorted { ($0.packets, $1.name) > ($1.packets, $0.name) }
            for kid in kids {
                let path = prefix.isEmpty ? kid.name : prefix + ":" + kid.name
                out.append(
                    ProtocolRow(
                        path: path, protocolName: kid.name, depth: depth, packets: kid.packets,
                        bytes: kid.bytes))
                walk(kid, path, depth + 1)
            }
        }
        walk(root, "", 1)
        return out
    }
}
