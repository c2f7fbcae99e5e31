#if canImport(Glibc)
import Glibc
#endif

/// Asks the kernel, over rtnetlink, which number this network namespace gives another
/// (`RTM_GETNSID` with `NETNSA_FD`, rtnetlink(7) and linux/net_namespace.h): the number a
/// link's `link_netnsid` names its peer's namespace by.
struct NamespaceIDQuery {
    private let socket: Int32
    private var sequence: UInt32 = 0

    // linux/rtnetlink.h and linux/net_namespace.h.
    private static let getNamespaceID: UInt16 = 90  // RTM_GETNSID
    private static let newNamespaceID: UInt16 = 88  // RTM_NEWNSID
    private static let attributeID: UInt16 = 1  // NETNSA_NSID
    private static let attributeFD: UInt16 = 3  // NETNSA_FD

    init?() {
        socket = Glibc.socket(AF_NETLINK, Int32(SOCK_RAW.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)  // NETLINK_ROUTE
        guard socket >= 0 else { return nil }
        // A reply that never comes (an old kernel) ends the wait after 200 ms.
        var timeout = timeval(tv_sec: 0, tv_usec: 200_000)
        _ = setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    func close() { _ = Glibc.close(socket) }

    /// The number of the namespace at `path` (a `/proc/PID/ns/net` or `/run/netns` file), nil
    /// when it cannot be opened or has none (-1: `NETNSA_NSID_NOT_ASSIGNED`).
    mutating func id(ofNamespaceAt path: String) -> Int32? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { _ = Glibc.close(fd) }
        sequence &+= 1
        // nlmsghdr (16) + rtgenmsg (1, padded to 4) + rtattr NETNSA_FD (4 + 4): 28 bytes.
        var request = Self.request(28, type: Self.getNamespaceID, flags: 1, sequence: sequence)  // NLM_F_REQUEST
        request[16] = UInt8(AF_UNSPEC)
        Self.put16(&request, 8, 20)
        Self.put16(&request, Self.attributeFD, 22)
        Self.put32(&request, UInt32(bitPattern: fd), 24)
        guard send(socket, request, request.count, 0) == request.count else { return nil }
        var reply = [UInt8](repeating: 0, count: 256)
        let n = recv(socket, &reply, reply.count, 0)
        guard n >= 20 else { return nil }
        return Self.namespaceID(in: Array(reply[0..<n]), sequence: sequence)
    }

    /// Every link's peer namespace number (`IFLA_LINK_NETNSID`), for links without an address
    /// of their own (an `RTM_GETADDR` dump names the addressed ones): no process is started,
    /// so nothing of this lookup reaches a capture (a process's start sends a datagram on lo).
    mutating func unaddressedLinkNamespaceIDs() -> Set<Int32> {
        let peers = links().filter { $0.peerNamespaceID != nil }
        var addressed: Set<Int32> = []
        for m in dump(type: 22, header: 8) where m.count >= 24 {  // RTM_GETADDR, ifaddrmsg
            addressed.insert(Int32(bitPattern: Self.u32(m, 20)))
        }
        return Set(peers.filter { !addressed.contains($0.index) }.compactMap(\.peerNamespaceID))
    }

    /// A link of this namespace (`RTM_GETLINK`): its index, name, kind (`IFLA_INFO_KIND`:
    /// veth, bridge, vxlan ...), its master's index (a bridge port's bridge), and its peer's
    /// namespace number (`IFLA_LINK_NETNSID`: a veth whose other end is in another namespace).
    struct Link: Equatable {
        var index: Int32
        var name = ""
        var kind: String?
        var master: Int32?
        var peerNamespaceID: Int32?
    }

    /// Every link of this namespace.
    mutating func links() -> [Link] {
        dump(type: 18, header: 16).compactMap(Self.link)  // RTM_GETLINK, ifinfomsg
    }

    /// Each link's addresses as text (`RTM_GETADDR`: IPv4 and IPv6, `IFA_ADDRESS`), by index.
    mutating func addresses() -> [Int32: [String]] {
        var out: [Int32: [String]] = [:]
        for m in dump(type: 22, header: 8) {  // ifaddrmsg: family, prefix, flags, scope, index
            if let (index, text) = Self.address(m) { out[index, default: []].append(text) }
        }
        return out
    }

    /// A `RTM_NEWLINK` message read; nil when cut short.
    static func link(_ m: [UInt8]) -> Link? {
        guard m.count >= 32 else { return nil }
        var link = Link(index: Int32(bitPattern: u32(m, 20)))
        for (type, at, size) in attributes(m, from: 32) {
            switch type {
            case 3: link.name = text(m, at, size)  // IFLA_IFNAME
            case 10 where size >= 4: link.master = Int32(bitPattern: u32(m, at))  // IFLA_MASTER
            case 37 where size >= 4: link.peerNamespaceID = Int32(bitPattern: u32(m, at))  // IFLA_LINK_NETNSID
            case 18:  // IFLA_LINKINFO, nested: IFLA_INFO_KIND (1)
                let nested = Array(m[at..<at + size])
                if let kind = attributes(nested, from: 0).first(where: { $0.type == 1 }) {
                    link.kind = text(nested, kind.at, kind.size)
                }
            default: break
            }
        }
        return link
    }

    /// A `RTM_NEWADDR` message's link index and address; nil when cut short or of another family.
    static func address(_ m: [UInt8]) -> (Int32, String)? {
        guard m.count >= 24 else { return nil }
        let family = Int32(m[16]), index = Int32(bitPattern: u32(m, 20))
        let width = family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0
        guard width > 0, let a = attributes(m, from: 24).first(where: { $0.type == 1 && $0.size >= width }) else {
            return nil
        }  // IFA_ADDRESS
        var bytes = Array(m[a.at..<a.at + width])
        var text = [CChar](repeating: 0, count: 64)
        guard inet_ntop(family, &bytes, &text, socklen_t(text.count)) != nil else { return nil }
        return (index, String(cString: text))
    }

    /// The attributes of `m` from `start`: type (less the nested and byte-order flags), where
    /// the payload starts and its size; stops at one whose length runs past the message.
    static func attributes(_ m: [UInt8], from start: Int) -> [(type: UInt16, at: Int, size: Int)] {
        var out: [(type: UInt16, at: Int, size: Int)] = []
        var at = start
        while at + 4 <= m.count {
            let size = Int(u16(m, at)), t = u16(m, at + 2) & 0x3FFF
            guard size >= 4, at + size <= m.count else { break }
            out.append((t, at + 4, size - 4))
            at += (size + 3) & ~3
        }
        return out
    }

    /// A NUL-terminated string attribute.
    static func text(_ m: [UInt8], _ at: Int, _ size: Int) -> String {
        String(decoding: m[at..<at + size].prefix { $0 != 0 }, as: UTF8.self)
    }

    /// The messages of a dump request (`NLM_F_DUMP`) of `type` with a zeroed family header of
    /// `header` bytes; at most 65,536 messages, and none after an error.
    private mutating func dump(type: UInt16, header: Int) -> [[UInt8]] {
        sequence &+= 1
        let request = Self.request(16 + header, type: type, flags: 0x301, sequence: sequence)  // NLM_F_REQUEST | NLM_F_DUMP
        guard send(socket, request, request.count, 0) == request.count else { return [] }
        var out: [[UInt8]] = []
        var buffer = [UInt8](repeating: 0, count: 32 << 10)
        while out.count < 65_536 {
            let n = recv(socket, &buffer, buffer.count, 0)
            guard n >= 16 else { return out }
            var at = 0
            while at + 16 <= n {
                let length = Int(Self.u32(buffer, at)), kind = Self.u16(buffer, at + 4)
                guard length >= 16, at + length <= n else { return out }
                if kind == 3 || kind == 2 { return out }  // NLMSG_DONE, NLMSG_ERROR
                if Self.u32(buffer, at + 8) == sequence { out.append(Array(buffer[at..<at + length])) }
                at += (length + 3) & ~3
            }
        }
        return out
    }

    /// A request of `count` bytes, zero after its nlmsghdr.
    private static func request(_ count: Int, type: UInt16, flags: UInt16, sequence: UInt32) -> [UInt8] {
        var r = [UInt8](repeating: 0, count: count)
        put32(&r, UInt32(count), 0)
        put16(&r, type, 4)
        put16(&r, flags, 6)
        put32(&r, sequence, 8)
        return r
    }

    // Netlink's integers are the host's order: little-endian on the machines Loupe runs on.
    private static func u16(_ b: [UInt8], _ at: Int) -> UInt16 { UInt16(b[at]) | UInt16(b[at + 1]) << 8 }
    private static func u32(_ b: [UInt8], _ at: Int) -> UInt32 { (0..<4).reduce(0) { $0 | UInt32(b[at + $1]) << (8 * $1) } }

    private static func put16(_ b: inout [UInt8], _ v: UInt16, _ at: Int) {
        (b[at], b[at + 1]) = (UInt8(v & 0xFF), UInt8(v >> 8))
    }

    private static func put32(_ b: inout [UInt8], _ v: UInt32, _ at: Int) {
        for i in 0..<4 { b[at + i] = UInt8(truncatingIfNeeded: v >> (8 * UInt32(i))) }
    }

    /// A 32-bit attribute of `type` in the attributes of message `m` from `start`; nil without one.
    static func attribute(_ type: UInt16, in m: [UInt8], from start: Int) -> Int32? {
        attributes(m, from: start).first { $0.type == type && $0.size >= 4 }.map { Int32(bitPattern: u32(m, $0.at)) }
    }

    /// The NSID attribute of the `RTM_NEWNSID` reply to `sequence`; nil for another message,
    /// an error reply, or a reply without one.
    static func namespaceID(in b: [UInt8], sequence: UInt32) -> Int32? {
        guard b.count >= 20 else { return nil }
        let length = min(Int(u32(b, 0)), b.count)
        guard length >= 20, u32(b, 8) == sequence, u16(b, 4) == newNamespaceID else { return nil }
        guard let id = attribute(attributeID, in: Array(b[0..<length]), from: 20) else { return nil }
        return id >= 0 ? id : nil
    }
}
