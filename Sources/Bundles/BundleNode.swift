import CaptureFormats
import Foundation

/// The node a bundle directory was recorded on, from what the bundle carries: a Retina
/// capture's name and `ip-resources.txt` (`RetinaCapture`), or loupe-agent's manifest (`node`)
/// and `node-addresses.json` (`ip -d -j addr show`). Nil when the directory names no node.
public enum BundleNode {
    public static func node(in directory: String, knownNodes: [String] = []) -> NodeRecord? {
        if let retina = RetinaCapture.node(in: directory, knownNodes: knownNodes) { return retina }
        let base = directory.hasSuffix("/") ? directory : directory + "/"
        guard let data = RetinaCapture.smallFile(base + "manifest.json"),
              let manifest = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
              manifest["schema"] as? String == "loupe.bundle/1", let name = manifest["node"] as? String, !name.isEmpty else {
            return nil
        }
        let addresses = RetinaCapture.smallFile(base + "node-addresses.json")
            .map { RetinaCapture.addresses(String(decoding: $0, as: UTF8.self)) } ?? []
        // A name is a DNS subdomain (at most 253 characters); anything else is not a node name.
        guard name.utf8.count <= 253 else { return nil }
        return NodeRecord(name: name, addresses: Array(addresses.prefix(64)))
    }
}
