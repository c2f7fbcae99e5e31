import Dissectors

/// Where a capture file was recorded, as its bundle says: the node (loupe-agent's manifest, a
/// Retina capture's name) and the node's interfaces by index (`node-addresses.json`, `ip -j
/// addr show`), which name the points of a Linux cooked v2 capture (`-i any`: each record
/// carries its interface's index, not its name). Empty for a capture outside a bundle: the
/// file names the node, `if<index>` the interface. With loupe-agent's `node-interfaces.json`,
/// each pod's veth by name and the pod's addresses behind it (`podAddresses`).
struct CaptureOrigin: Sendable, Equatable {
    var node: String?
    var interfaces: [Int32: String] = [:]
    var podAddresses: [String: [IPAddress]] = [:]
}
