import Dissectors

/// Kubernetes search-path expansion (`ndots:5`): a pod's resolver tries
/// `name.<ns>.svc.<cluster>`, `name.svc.<cluster>`, `name.<cluster>`, then `name`, and every
/// NXDOMAIN before the name that resolves is a wasted round trip.
///
/// A chain is found per client from answered transactions: NXDOMAIN answers for names
/// that are a base plus a cluster suffix, closed by the first non-NXDOMAIN answer for that
/// base (bare, or with a suffix). Waste = queries for expansions other than the name that
/// resolved (both A and AAAA: resolvers ask both); time lost = from the chain's first query
/// to the query of the answer that resolved it.
///
/// Host search domains (the node's `/etc/resolv.conf` list, appended after the cluster
/// suffixes: `ec2.internal`, `corp.example`, ...) are not configured but recognised: a
/// resolving name whose prefix (without its last one to four labels) is the base of the
/// client's cluster expansions closes the chain (`db` resolved as `db.corp.example`), and
/// NXDOMAIN answers for that base plus any other suffix in the same window count as waste
/// too, but only when cluster expansions of the base were seen (so a lone NXDOMAIN for
/// `foo.bar.com` followed by `foo.bar` is never called a search-path chain).
///
/// Names are compared through 64-bit FNV-1a hashes of their case-folded bytes (most
/// answers on a busy node are expansions; measured, string handling here was a third of
/// `loupe report`), and text is built only for the chains reported.
struct SearchPathDetector {
    struct Attempt {
        var name: UInt64
        var time: Int64
        /// Hashes of the up to three bases this name can expand from (0: none).
        var bases: (UInt64, UInt64, UInt64)
        /// A name under no cluster suffix: hashes of it without its last 1-4 labels, the
        /// bases it has if it is a host search domain expansion (0: none).
        var hostBases: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        var isCluster: Bool { bases.0 != 0 }
    }

    struct Chain: Hashable {
        var client: IPAddress
        var base: String
        var resolvedAs: String
    }

    let clusterDomain: String
    private let suffix: [UInt8]  // ".<cluster domain>", lower case
    private var pending: [IPAddress: [Attempt]] = [:]
    static let window: Int64 = 10_000_000_000
    static let maximumPerClient = 64
    static let maximumClients = 10_000
    /// Per (client, base, resolved name): chains, wasted queries, nanoseconds lost.
    private(set) var chains: [Chain: (count: Int, wasted: Int, lost: Int64)] = [:]
    static let maximumChains = 10_000

    init(clusterDomain: String = "cluster.local") {
        let cd = clusterDomain.hasSuffix(".") ? String(clusterDomain.dropLast()) : clusterDomain
        self.clusterDomain = cd
        suffix = Array(("." + cd).lowercased().utf8)
    }

    // MARK: - Names as bytes

    @inline(__always) static func fold(_ b: UInt8) -> UInt8 { b >= 0x41 && b <= 0x5A ? b | 0x20 : b }

    static func hash(_ bytes: ArraySlice<UInt8>) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in bytes { h = (h ^ UInt64(fold(b))) &* 0x0000_0100_0000_01B3 }
        return h == 0 ? 1 : h
    }

    static func hasSuffix(_ name: [UInt8], _ suffix: [UInt8]) -> Bool {
        guard name.count > suffix.count else { return false }
        return zip(name[(name.count - suffix.count)...], suffix).allSatisfy { fold($0) == $1 }
    }

    /// The base ranges of `name` (byte counts of its prefix): `x.<ns>.svc.<cd>` -> x and
    /// x.<ns>, `x.svc.<cd>` -> x, `x.<cd>` -> x.
    func baseLengths(_ name: [UInt8]) -> [Int] {
        var out: [Int] = []
        let svc = Array(".svc".utf8) + suffix
        if Self.hasSuffix(name, svc) {
            let head = name.count - svc.count
            out.append(head)
            if let dot = name[..<head].lastIndex(of: UInt8(ascii: ".")) { out.append(dot) }  // strip the namespace
        }
        if Self.hasSuffix(name, suffix) { out.append(name.count - suffix.count) }
        return out.filter { $0 > 0 }
    }

    /// Byte counts of `name` without its last 1, 2, 3 and 4 labels (escaped dots are not
    /// label boundaries), longest first.
    static func labelPrefixLengths(_ name: [UInt8]) -> [Int] {
        var out: [Int] = []
        var i = name.count - 1
        while i > 0 && out.count < 4 {
            if name[i] == UInt8(ascii: "."), name[i - 1] != UInt8(ascii: "\\") { out.append(i) }
            i -= 1
        }
        return out
    }

    /// Bases as text (for tests and reports).
    func bases(_ name: String) -> [String] {
        let bytes = Array(name.utf8)
        return baseLengths(bytes).map { String(decoding: bytes[..<$0], as: UTF8.self).lowercased() }
    }

    // MARK: - Answers

    /// One answered transaction (in response order).
    mutating func answered(client: IPAddress, qname: String, queryTime: Int64, nxdomain: Bool) {
        // Fast path: a resolving answer with no expansion pending for this client (most).
        if !nxdomain && pending[client] == nil { return }
        let bytes = Array(qname.utf8)
        if nxdomain {
            guard pending[client] != nil || pending.count < Self.maximumClients else { return }
            let lengths = baseLengths(bytes)
            var b: (UInt64, UInt64, UInt64) = (0, 0, 0)
            var h: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
            if lengths.isEmpty {
                let prefixes = Self.labelPrefixLengths(bytes)
                guard !prefixes.isEmpty else { return }  // one label: no base to share
                if prefixes.count > 0 { h.0 = Self.hash(bytes[..<prefixes[0]]) }
                if prefixes.count > 1 { h.1 = Self.hash(bytes[..<prefixes[1]]) }
                if prefixes.count > 2 { h.2 = Self.hash(bytes[..<prefixes[2]]) }
                if prefixes.count > 3 { h.3 = Self.hash(bytes[..<prefixes[3]]) }
            }
            if lengths.count > 0 { b.0 = Self.hash(bytes[..<lengths[0]]) }
            if lengths.count > 1 { b.1 = Self.hash(bytes[..<lengths[1]]) }
            if lengths.count > 2 { b.2 = Self.hash(bytes[..<lengths[2]]) }
            let attempt = Attempt(name: Self.hash(bytes[...]), time: queryTime, bases: b, hostBases: h)
            pending[client, default: []].append(attempt)
            if pending[client]!.count > Self.maximumPerClient { pending[client]!.removeFirst() }
            return
        }
        // A resolving answer: which pending expansions were attempts at the same base?
        let name = Self.hash(bytes[...])
        // The base is the name itself, the name without a cluster suffix, or the name
        // without a host search domain (its last 1-4 labels), in that order.
        var candidates: [(UInt64, Int)] = [(name, bytes.count)]
        for length in baseLengths(bytes) { candidates.append((Self.hash(bytes[..<length]), length)) }
        for length in Self.labelPrefixLengths(bytes) { candidates.append((Self.hash(bytes[..<length]), length)) }
        var base: (hash: UInt64, length: Int)?
        var wasted = 0
        var start = queryTime
        pending[client]!.removeAll { attempt in
            if queryTime &- attempt.time > Self.window { return true }  // too old: forgotten
            guard attempt.isCluster, attempt.name != name else { return false }
            func expands(_ hash: UInt64) -> Bool {
                hash == attempt.bases.0 || hash == attempt.bases.1 || hash == attempt.bases.2
            }
            guard let hit = candidates.first(where: { expands($0.0) }) else { return false }
            base = base ?? (hit.0, hit.1)
            wasted += 1
            start = min(start, attempt.time)
            return true
        }
        if let base {
            // Host search domain expansions of the same base, seen with the cluster ones.
            pending[client]!.removeAll { attempt in
                guard !attempt.isCluster, attempt.name != name else { return false }
                let h = attempt.hostBases
                guard h.0 == base.hash || h.1 == base.hash || h.2 == base.hash || h.3 == base.hash else { return false }
                wasted += 1
                start = min(start, attempt.time)
                return true
            }
        }
        let baseLength = base?.length
        if pending[client]!.isEmpty { pending[client] = nil }
        guard let baseLength, wasted > 0 else { return }
        let key = Chain(client: client, base: String(decoding: bytes[..<baseLength], as: UTF8.self).lowercased(),
                        resolvedAs: qname.lowercased())
        guard chains[key] != nil || chains.count < Self.maximumChains else { return }
        var entry = chains[key] ?? (0, 0, 0)
        entry.count += 1
        entry.wasted += wasted
        entry.lost += max(0, queryTime &- start)
        chains[key] = entry
    }
}
