import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The network namespaces whose kernel events a node's agent keeps: the kernel's programs see
/// every namespace of the machine, and two agents on one kernel (nodes as namespaces, in a
/// test; kind clusters) would each write every node's events.
///
/// A node's namespaces are the agent's own and every namespace one of its links leads into
/// through a link that has no address of its own: a pod's veth (bridge, Calico and Cilium
/// CNIs leave the node's end unaddressed). A link with an address (a node-to-node wire, a
/// tunnel end) leads to another node, not a pod. The kernel numbers a peer namespace
/// (`IFLA_LINK_NETNSID`); which namespace that number is, is asked of the kernel (`RTM_GETNSID`)
/// for every namespace a process or `/run/netns` holds.
///
/// Bounds: at most `maximumNamespaces` namespaces kept over the whole recording (past it, the
/// events of namespaces found later are left out and counted, `leftOut`), and as many found
/// foreign; a namespace not known yet makes the set look again, at most once per
/// `rescanInterval` (pods start during a recording). After
/// the agent drops its privileges (`--user`), processes of other users cannot be opened:
/// namespaces that appear later are found only through `/run/netns`.
final class NodeNamespaces {
    static let maximumNamespaces = 4_096
    static let rescanInterval: Double = 2
    /// Namespace inodes of this node.
    private(set) var own: Set<UInt32> = []
    /// Inodes found not to be this node's at the last scan.
    private var foreign: Set<UInt32> = []
    private var lastScan = Date.distantPast
    /// Events of other namespaces left out.
    private(set) var leftOut = 0

    /// `scan`: look at once (false in tests, which feed `record`).
    init(scan: Bool = true) { if scan { self.scan() } }

    /// Whether an event of namespace inode `netns` (0: unknown) is this node's.
    func keeps(_ netns: UInt32) -> Bool {
        if netns == 0 || own.contains(netns) { return true }
        if !foreign.contains(netns) && Date().timeIntervalSince(lastScan) >= Self.rescanInterval {
            scan()
            if own.contains(netns) { return true }
        }
        leftOut += 1
        return false
    }

    /// Looks again: the own namespace, the links' peer namespaces, and what each is. The
    /// processes are listed only when some unaddressed link leads into another namespace.
    func scan() {
        lastScan = Date()
        guard let mine = Self.inode("/proc/self/ns/net") else { return }
        guard var query = NamespaceIDQuery() else {
            record(mine: mine, peers: [], candidates: [])
            return
        }
        defer { query.close() }
        let peers = query.unaddressedLinkNamespaceIDs()
        let files = peers.isEmpty ? [] : Self.namespaceFiles()
        record(
            mine: mine, peers: peers,
            candidates: files.lazy.compactMap { path in
                Self.inode(path).map { inode in (inode, { query.id(ofNamespaceAt: path) }) }
            })
    }

    /// One look's findings: `mine`, the agent's own namespace; `peers`, the numbers the
    /// kernel gives the namespaces unaddressed links lead into; `candidates`, each namespace
    /// file's inode and how to ask its number (asked once per inode not known yet).
    func record<S: Sequence>(mine: UInt32, peers: Set<Int32>, candidates: S)
    where S.Element == (UInt32, () -> Int32?) {
        lastScan = Date()
        if own.count < Self.maximumNamespaces { own.insert(mine) }
        var seen: Set<UInt32> = [mine]
        for (inode, id) in candidates where !peers.isEmpty {
            guard own.count < Self.maximumNamespaces, seen.count < 2 * Self.maximumNamespaces else { break }
            guard seen.insert(inode).inserted, !own.contains(inode) else { continue }
            if let number = id(), peers.contains(number) { own.insert(inode) }
        }
        foreign = seen.subtracting(own)
    }

    /// Files naming a network namespace: every process's, and the named ones (`ip netns`).
    static func namespaceFiles() -> [String] {
        let fm = FileManager.default
        var out: [String] = []
        for dir in ["/run/netns", "/var/run/netns"] {
            out += ((try? fm.contentsOfDirectory(atPath: dir)) ?? []).sorted().map { dir + "/" + $0 }
        }
        let pids = ((try? fm.contentsOfDirectory(atPath: "/proc")) ?? []).filter { $0.allSatisfy(\.isNumber) }
        return out + pids.map { "/proc/\($0)/ns/net" }
    }

    static func inode(_ path: String) -> UInt32? {
        var s = stat()
        guard stat(path, &s) == 0 else { return nil }
        return UInt32(truncatingIfNeeded: s.st_ino)
    }
}
