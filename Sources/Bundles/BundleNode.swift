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
            manifest["schema"] as? String == "loupe.bundle/1", let name = manifest["node"] as? String, !name.isEmpty
        else {
            return nil
        }
        let addresses =
            RetinaCapture.smallFile(base + "node-addresses.json")
            .map { RetinaCapture.addresses(String(decoding: $0, as: UTF8.self)) } ?? []
        // A name is a DNS subdomain (at most 253 characters); anything else is not a node name.
        guard name.utf8.count <= 253 else { return nil }
        return NodeRecord(name: name, addresses: Array(addresses.prefix(64)))
    }

    /// The node's interfaces by index, from loupe-agent's `node-addresses.json` (`ip -j addr
    /// show`: `ifindex`, `ifname`); empty without it. At most 65,536 interfaces are read.
    public static func interfaces(in directory: String) -> [Int32: String] {
        let base = directory.hasSuffix("/") ? directory : directory + "/"
        guard let data = RetinaCapture.smallFile(base + "node-addresses.json"),
            let list = (try? JSONSerialization.jsonObject(with: data)) as? [[String: Any]]
        else { return [:] }
        var out: [Int32: String] = [:]
        for item in list.prefix(65_536) {
            guard let index = (item["ifindex"] as? NSNumber)?.int32Value, let name = item["ifname"] as? String,
                !name.isEmpty, name.utf8.count <= 64
            else { continue }
            out[index] = name
        }
        return out
    }

    /// Each pod's veth and the addresses of the pod behind it, from loupe-agent's
    /// `node-interfaces.json` (role "pod", `peerAddresses`); empty without it. At most 4,096
    /// interfaces and 16 addresses each are read.
    public static func podAddresses(in directory: String) -> [String: [String]] {
        let base = directory.hasSuffix("/") ? directory : directory + "/"
        guard let data = RetinaCapture.smallFile(base + "node-interfaces.json"),
            let root = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
            root["schema"] as? String == "loupe.node-interfaces/1", let list = root["interfaces"] as? [[String: Any]]
        else { return [:] }
        var out: [String: [String]] = [:]
        for item in list.prefix(4_096) {
            guard item["role"] as? String == "pod", let name = item["name"] as? String, !name.isEmpty,
                name.utf8.count <= 64, let addresses = item["peerAddresses"] as? [String], !addresses.isEmpty
            else { continue }
            out[name] = Array(addresses.prefix(16))
        }
        return out
    }
}
