import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// What each of the node's interfaces is (`node-interfaces.json`), so that a reader names the
/// observation points by what they are on the node rather than guessing from traffic: a pod's
/// veth (a link without an address whose other end is in another namespace: the pod's, with
/// the pod's addresses read inside it), a bridge, an uplink (a link with an address: the
/// node's way to other nodes), the loopback, or other. Asked of the kernel over rtnetlink
/// (`NamespaceIDQuery`), no process started; the pod's addresses are read by a netlink socket
/// opened inside its namespace, on a thread of its own that enters it (`setns` moves one
/// thread) and then ends. Root is needed to enter a namespace: without it, `peerAddresses` is
/// empty.
///
/// Bound: `maximumInterfaces` interfaces (a node with more lists the first).
enum NodeInterfaces {
    static let maximumInterfaces = 4_096

    struct Row: Equatable {
        var index: Int32
        var name: String
        var kind: String?
        /// The bridge (or bond) the link is a port of, by name.
        var master: String?
        /// "pod", "bridge", "uplink", "loopback" or "other".
        var role: String
        var addresses: [String]
        /// A pod's veth: the inode of the namespace its other end is in (as kernel events'
        /// `netns` name it), and that namespace's addresses but loopback's.
        var peerNamespace: UInt32?
        var peerAddresses: [String] = []
    }

    /// What a link is, from its kind, its name and whether it has an address.
    static func role(_ link: NamespaceIDQuery.Link, addressed: Bool) -> String {
        if link.name == "lo" { return "loopback" }
        if link.kind == "bridge" { return "bridge" }
        if link.peerNamespaceID != nil && !addressed { return "pod" }
        return addressed ? "uplink" : "other"
    }

    /// The node's interfaces, as this process's namespace has them.
    static func collect() -> [Row] {
        guard var query = NamespaceIDQuery() else { return [] }
        defer { query.close() }
        let links = Array(query.links().prefix(maximumInterfaces))
        let addresses = query.addresses()
        let names = Dictionary(links.map { ($0.index, $0.name) }, uniquingKeysWith: { a, _ in a })
        // The namespaces pods' veths lead into: which file is each (the number is this
        // namespace's name for it; `RTM_GETNSID` tells the number of each file's).
        let wanted = Set(links.compactMap { addresses[$0.index] == nil ? $0.peerNamespaceID : nil })
        var files: [Int32: (path: String, inode: UInt32)] = [:]
        if !wanted.isEmpty {
            var seen: Set<UInt32> = []
            for path in NodeNamespaces.namespaceFiles() where files.count < wanted.count {
                guard let inode = NodeNamespaces.inode(path), seen.insert(inode).inserted else { continue }
                if let id = query.id(ofNamespaceAt: path), wanted.contains(id), files[id] == nil { files[id] = (path, inode) }
            }
        }
        return links.map { link in
            let own = addresses[link.index] ?? []
            var row = Row(
                index: link.index, name: link.name, kind: link.kind, master: link.master.flatMap { names[$0] },
                role: role(link, addressed: !own.isEmpty), addresses: own)
            if row.role == "pod", let id = link.peerNamespaceID, let file = files[id] {
                row.peerNamespace = file.inode
                row.peerAddresses = addressesInside(file.path)
            }
            return row
        }
    }

    /// The addresses inside the namespace at `path`, loopback's left out.
    static func addressesInside(_ path: String) -> [String] {
        final class Box: @unchecked Sendable { var addresses: [String] = [] }
        let box = Box()
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            defer { done.signal() }
            let target = open(path, O_RDONLY | O_CLOEXEC)
            guard target >= 0 else { return }
            defer { _ = close(target) }
            // This thread stays in that namespace until it ends; it does nothing else.
            guard let enter = setns, enter(target, cloneNewNet) == 0, var inside = NamespaceIDQuery() else { return }
            defer { inside.close() }
            let loopback = Set(inside.links().filter { $0.name == "lo" }.map(\.index))
            box.addresses = inside.addresses().filter { !loopback.contains($0.key) }.sorted { $0.key < $1.key }
                .flatMap(\.value)
        }
        thread.start()
        done.wait()
        return box.addresses
    }

    /// glibc's `setns(2)`, looked up at run time: Swift's Glibc module leaves out what needs
    /// `_GNU_SOURCE`, and `syscall` is variadic.
    private static let setns: (@convention(c) (Int32, Int32) -> Int32)? = dlsym(dlopen(nil, RTLD_NOW), "setns").map {
        unsafeBitCast($0, to: (@convention(c) (Int32, Int32) -> Int32).self)
    }
    /// `CLONE_NEWNET` (linux/sched.h).
    private static let cloneNewNet: Int32 = 0x4000_0000

    /// `node-interfaces.json`'s text.
    static func json(_ rows: [Row]) -> Data? {
        let list = rows.map { r -> [String: Any] in
            [
                "index": Int(r.index), "name": r.name, "kind": r.kind ?? NSNull(), "master": r.master ?? NSNull(),
                "role": r.role, "addresses": r.addresses, "peerNetns": r.peerNamespace.map { Int($0) } ?? NSNull(),
                "peerAddresses": r.peerAddresses,
            ]
        }
        return try? JSONSerialization.data(
            withJSONObject: ["schema": "loupe.node-interfaces/1", "interfaces": list], options: [.sortedKeys, .prettyPrinted])
    }
}
