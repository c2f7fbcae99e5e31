import CaptureFormats
import Foundation

/// What a Retina capture (`kubectl retina capture create`: `<capture>-<node>-<YYYYMMDDHHMMSS>UTC`
/// with `<same name>.pcap`, `ip-resources.txt`, ...) says about its node: the node's name, from
/// the capture's name, and its addresses, from `ip -d -j addr show` in `ip-resources.txt`.
public enum RetinaCapture {
    /// Retina's default capture name: stripped from the front so the node's name remains.
    /// (`<capture>-<node>` cannot be split in general: both may contain dashes. With metadata
    /// naming the node, the node is the metadata's node whose name ends the stem.)
    static let defaultCaptureName = "retina-capture-"

    /// The node of a Retina capture directory, or nil when it is not one.
    public static func node(in directory: String, knownNodes: [String] = []) -> NodeRecord? {
        let base = directory.hasSuffix("/") ? directory : directory + "/"
        guard let text = smallFile(base + "ip-resources.txt") else { return nil }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: base)) ?? []
        guard let pcap = names.first(where: { $0.hasSuffix(".pcap") || $0.hasSuffix(".pcap.gz") }) else { return nil }
        let stem = String(pcap.prefix { $0 != "." })
        return NodeRecord(
            name: nodeName(stem: stem, knownNodes: knownNodes), addresses: addresses(String(decoding: text, as: UTF8.self)))
    }

    /// "retina-capture-aks-nodepool1-41844487-vmss000000-20261126150000UTC" -> the node's name.
    static func nodeName(stem: String, knownNodes: [String]) -> String {
        var s = Substring(stem)
        // The time: a dash, 14 digits, "UTC".
        if s.hasSuffix("UTC"), let dash = s.dropLast(3).lastIndex(of: "-"),
            s[s.index(after: dash)..<s.index(s.endIndex, offsetBy: -3)].allSatisfy(\.isNumber)
        {
            s = s[..<dash]
        }
        if let known = knownNodes.filter({ s == $0 || s.hasSuffix("-" + $0) }).max(by: { $0.count < $1.count }) { return known }
        if s.hasPrefix(defaultCaptureName) { s = s.dropFirst(defaultCaptureName.count) }
        return String(s)
    }

    /// Global-scope addresses in the JSON that `ip -d -j addr show` printed (the first line of
    /// the file that parses as a JSON array of interfaces). Loopback and link-local are skipped.
    static func addresses(_ text: String) -> [String] {
        for line in text.split(separator: "\n") where line.hasPrefix("[{") {
            guard let interfaces = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [[String: Any]],
                interfaces.contains(where: { $0["addr_info"] != nil })
            else { continue }
            var out: [String] = []
            for i in interfaces {
                for a in i["addr_info"] as? [[String: Any]] ?? [] where a["scope"] as? String == "global" {
                    if let local = a["local"] as? String, !out.contains(local) { out.append(local) }
                }
            }
            return out
        }
        return []
    }

    /// A side file of a bundle, read whole only when it is small: these are a few kilobytes,
    /// and a hostile bundle must not make the reader allocate gigabytes.
    static let sideFileLimit = 16 << 20
    static func smallFile(_ path: String) -> Data? {
        guard let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int, size <= sideFileLimit else {
            return nil
        }
        return FileManager.default.contents(atPath: path)
    }
}
