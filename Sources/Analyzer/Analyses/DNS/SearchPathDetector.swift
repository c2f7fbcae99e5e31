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
/// Names are compared through 64-bit FNV-1a hashes of their case-folded bytes, worked out
/// once per distinct name (`DNSNameTable` id) and cached: most answers on a busy node are
/// expansions of a few names (measured, per-answer name handling was a tenth of `loupe
/// report`). Text is built only for the chains reported.
struct SearchPathDetector {
    /// An NXDOMAIN answer waiting for its base to resolve: the name's hash and kind, kept
    /// here because every resolving answer of the client compares them, and its facts
    /// (`facts` index: its bases), read only for a cluster attempt at another name; and the
    /// query's time. 24 bytes (with the four base hashes copied in it was 56: measured, 1.7
    /// MB of pending attempts on 6M packets; with only the index, the comparisons' reads of
    /// the facts were 3% of the DNS thread).
    ///
    /// `baseTags`: the low 16 bits of a cluster attempt's bases (at most three; the first
    /// repeated to fill), four to a word, in the padding the record had (32 bytes). A
    /// resolving answer compares them with its candidates' a word at a time (`TagLanes`),
    /// and reads the facts only on a match: without
    /// them, each answer tried every one of its client's attempts (21 on average on the
    /// standard workload, 2.2 million checks of up to 8 candidates by 3 bases), a tenth of
    /// the DNS thread.
    struct Attempt {
        var hash: UInt64
        var time: Int64
        var baseTags: UInt64
        var name: UInt32
        var isCluster: Bool
    }

    /// A reported chain: client, base and resolving name as lower-case text.
    struct Chain: Hashable {
        var client: IPAddress
        var base: String
        var resolvedAs: String
    }

    /// A chain as counted: the resolving name's id and the length of its base.
    struct ChainKey: Hashable, DNSGroupKey {
        var client: IPAddress
        var resolvedAs: DNSNameTable.ID
        var baseLength: Int

        @inline(__always)
        func groupHash(seed: UInt64) -> UInt64 {
            client.groupHash(
                seed: seed ^ (UInt64(resolvedAs.raw) << 20 | UInt64(truncatingIfNeeded: baseLength))
                    &* 0x9E37_79B9_7F4A_7C15)
        }
    }

    /// What a name contributes, worked out once per distinct name: a run of `candidates`
    /// (the name's own hash first; then without a cluster suffix, then without a host search
    /// domain, its last 1-4 labels, in that order), of which the `bases` after the first are
    /// the bases it expands from as an NXDOMAIN attempt. Eight bytes per name and the run in
    /// one shared array: a record with its own candidate array and the bases copied out was
    /// about 240 bytes a name (measured: 3 MB of `loupe report`'s peak on 6M packets).
    struct NameFacts {
        var start: UInt32 = 0
        var count: UInt8 = 0
        /// 0: one label, no base to share.
        var bases: UInt8 = 0
        var isCluster = false
        var known = false
    }

    let clusterDomain: String
    private let suffix: [UInt8]  // ".<cluster domain>", lower case
    /// By client, probed on every answer while any client has one.
    private var pending = DNSKeyedTable<IPAddress, [Attempt]>()
    /// Indexed by name id (the overflow id has none).
    private var facts: [NameFacts] = []
    /// Every name's candidates in runs (see `NameFacts`): the hashes, and the byte counts of
    /// the prefixes apart (a name's presentation form is at most 1,009 bytes), 10 bytes a
    /// candidate where a tuple took 16.
    private var candidates: [UInt64] = []
    private var candidateLengths: [UInt16] = []
    static let window: Int64 = 10_000_000_000
    static let maximumPerClient = 64
    static let maximumClients = 10_000
    /// Per (client, resolving name, base): chains, wasted queries, nanoseconds lost (a
    /// `Dictionary` here ran SipHash on every chain: 3% of the DNS thread).
    private var chainTable = DNSKeyedTable<ChainKey, (count: Int, wasted: Int, lost: Int64)>()
    var chains: [ChainKey: (count: Int, wasted: Int, lost: Int64)] {
        Dictionary(uniqueKeysWithValues: zip(chainTable.keys, chainTable.values))
    }
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

    /// The index of the name's facts in `facts`, worked out now if not cached.
    private mutating func factsIndex(_ id: DNSNameTable.ID, _ names: DNSNameTable) -> Int {
        let i = Int(id.raw)
        if i < facts.count, facts[i].known { return i }
        let bytes = names.withBytes(id) { Array($0) }
        let clusterLengths = baseLengths(bytes)
        let labelLengths = Self.labelPrefixLengths(bytes)
        // Names are bounded by the name table's limit, so the runs fit 32 bits.
        var f = NameFacts(start: UInt32(truncatingIfNeeded: candidates.count), known: true)
        f.bases = UInt8(clusterLengths.isEmpty ? labelLengths.count : clusterLengths.count)
        f.isCluster = !clusterLengths.isEmpty
        for length in [bytes.count] + clusterLengths + labelLengths {
            candidates.append(Self.hash(bytes[..<length]))
            candidateLengths.append(UInt16(clamping: length))
        }
        f.count = UInt8(1 + clusterLengths.count + labelLengths.count)
        if facts.count <= i { facts.append(contentsOf: repeatElement(NameFacts(), count: i + 1 - facts.count)) }
        facts[i] = f
        return i
    }

    /// A hash's low 16 bits: equal for equal hashes, so unequal tags rule a match out.
    @inline(__always)
    private static func tag(_ hash: UInt64) -> UInt16 { UInt16(truncatingIfNeeded: hash) }

    /// Whether the name with facts `f` expands from the base with hash `base`.
    @inline(__always)
    private static func expands(_ f: NameFacts, _ base: UInt64, _ pool: [UInt64]) -> Bool {
        let first = Int(f.start) + 1
        return pool[first..<first + Int(f.bases)].contains(base)
    }

    // MARK: - Answers

    /// One answered transaction (in response order) for the name `qname` of `names`. The
    /// client's pending attempts are found once and updated in place (each lookup of the
    /// table hashes the address: measured, a third of this function).
    mutating func answered(
        client: IPAddress, qname: DNSNameTable.ID, names: DNSNameTable, queryTime: Int64,
        nxdomain: Bool
    ) {
        // Fast path: a resolving answer with no expansion pending for this client (most).
        if !nxdomain && pending.isEmpty { return }
        let probe = pending.probe(client)
        let slot = probe.entry
        if !nxdomain && slot == nil { return }
        guard qname != .overflow else { return }  // an unknown name matches nothing
        let f = factsIndex(qname, names)
        if nxdomain {
            guard slot != nil || pending.count < Self.maximumClients else { return }
            guard facts[f].bases > 0 else { return }  // one label: no base to share
            let first = Int(facts[f].start) + 1, bases = Int(facts[f].bases)
            var tags = TagLanes.repeating(Self.tag(candidates[first]))
            for k in 1..<min(bases, 4) { tags = TagLanes.setting(tags, lane: k, Self.tag(candidates[first + k])) }
            let attempt = Attempt(
                hash: candidates[Int(facts[f].start)], time: queryTime, baseTags: tags,
                name: UInt32(truncatingIfNeeded: f), isCluster: facts[f].isCluster)
            guard let slot else {
                pending.insert(client, [attempt], probe)  // nothing inserted since the probe
                return
            }
            pending[slot].append(attempt)
            if pending[slot].count > Self.maximumPerClient { pending[slot].removeFirst() }
            return
        }
        // A resolving answer: which pending expansions were attempts at the same base?
        let i = slot!
        let run = Int(facts[f].start)..<Int(facts[f].start) + Int(facts[f].count)
        let name = candidates[run.lowerBound]
        // Locals: the closures below read them while `pending` is being changed.
        let facts = facts, pool = candidates, lengths = candidateLengths
        // The candidates' tags, the name's repeated to fill (at most 8: the name, 3 bases, 4
        // prefixes), in two words.
        var runTags = (TagLanes.repeating(Self.tag(name)), TagLanes.repeating(Self.tag(name)))
        for (k, c) in run.dropFirst().prefix(7).enumerated() {
            if k < 3 {
                runTags.0 = TagLanes.setting(runTags.0, lane: k + 1, Self.tag(pool[c]))
            } else {
                runTags.1 = TagLanes.setting(runTags.1, lane: k - 3, Self.tag(pool[c]))
            }
        }
        var base: (hash: UInt64, length: Int)?
        var wasted = 0
        var start = queryTime
        pending[i].removeAll { attempt in
            if queryTime &- attempt.time > Self.window { return true }  // too old: forgotten
            guard attempt.isCluster, attempt.hash != name else { return false }
            // No candidate can be a base of it.
            guard TagLanes.shareAny(attempt.baseTags, runTags) else { return false }
            let tried = facts[Int(attempt.name)]
            guard let hit = run.first(where: { Self.expands(tried, pool[$0], pool) }) else { return false }
            base = base ?? (pool[hit], Int(lengths[hit]))
            wasted += 1
            start = min(start, attempt.time)
            return true
        }
        if let base {
            // Host search domain expansions of the same base, seen with the cluster ones.
            pending[i].removeAll { attempt in
                guard !attempt.isCluster, attempt.hash != name,
                    Self.expands(facts[Int(attempt.name)], base.hash, pool)
                else { return false }
                wasted += 1
                start = min(start, attempt.time)
                return true
            }
        }
        let baseLength = base?.length
        if pending[i].isEmpty { pending.remove(at: i) }
        guard let baseLength, wasted > 0 else { return }
        let key = ChainKey(client: client, resolvedAs: qname, baseLength: baseLength)
        let chainProbe = chainTable.probe(key)
        if let c = chainProbe.entry {
            chainTable[c].count += 1
            chainTable[c].wasted += wasted
            chainTable[c].lost += max(0, queryTime &- start)
        } else if chainTable.count < Self.maximumChains {
            chainTable.insert(key, (1, wasted, max(0, queryTime &- start)), chainProbe)
        }
    }

    /// The chains with their names as lower-case text (names differing only in case merged).
    func textChains(_ names: DNSNameTable) -> [Chain: (count: Int, wasted: Int, lost: Int64)] {
        var out: [Chain: (count: Int, wasted: Int, lost: Int64)] = [:]
        for (key, value) in zip(chainTable.keys, chainTable.values) {
            let (base, resolvedAs) = names.withBytes(key.resolvedAs) { resolved in
                (Self.lowercased(resolved.prefix(key.baseLength)), Self.lowercased(resolved))
            }
            let chain = Chain(client: key.client, base: base, resolvedAs: resolvedAs)
            func add(_ total: inout (count: Int, wasted: Int, lost: Int64)) {
                total.count += value.count
                total.wasted += value.wasted
                total.lost += value.lost
            }
            add(&out[chain, default: (0, 0, 0)])  // one hash of the chain, not three
        }
        return out
    }

    /// A name's text in lower case: ASCII letters by byte (names are almost always ASCII;
    /// `String.lowercased()` on each was a third of building the DNS section), anything
    /// else as `lowercased()` does it.
    static func lowercased(_ bytes: ArraySlice<UInt8>) -> String {
        guard bytes.allSatisfy({ $0 < 0x80 }) else { return String(decoding: bytes, as: UTF8.self).lowercased() }
        return String(unsafeUninitializedCapacity: bytes.count) { buffer in
            for (i, b) in bytes.enumerated() { buffer[i] = b >= 0x41 && b <= 0x5A ? b | 0x20 : b }
            return bytes.count
        }
    }
}

/// Four 16-bit tags in a word, compared with another word's without a loop over lanes (the
/// zero-lane test of "Bit Twiddling Hacks": exact as a yes or no).
enum TagLanes {
    private static let ones: UInt64 = 0x0001_0001_0001_0001
    private static let highs: UInt64 = 0x8000_8000_8000_8000

    @inline(__always)
    static func repeating(_ tag: UInt16) -> UInt64 { UInt64(tag) &* ones }

    @inline(__always)
    static func setting(_ word: UInt64, lane: Int, _ tag: UInt16) -> UInt64 {
        let shift = UInt64(lane * 16)
        return word & ~(0xFFFF << shift) | UInt64(tag) << shift
    }

    /// Whether some lane of `word` is zero.
    @inline(__always)
    static func hasZeroLane(_ word: UInt64) -> Bool { (word &- ones) & ~word & highs != 0 }

    /// Whether a tag of `tags` is among the eight of `other`.
    @inline(__always)
    static func shareAny(_ tags: UInt64, _ other: (UInt64, UInt64)) -> Bool {
        var found = false
        for lane in 0..<4 {
            let spread = repeating(UInt16(truncatingIfNeeded: tags >> UInt64(lane * 16)))
            found = found || hasZeroLane(other.0 ^ spread) || hasZeroLane(other.1 ^ spread)
        }
        return found
    }
}
