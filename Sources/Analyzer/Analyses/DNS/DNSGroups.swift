import Dissectors

/// Per-key DNS outcomes with a compact latency histogram each; past `limit` distinct keys,
/// new keys are folded into "(other)" so memory stays bounded. Every transaction updates
/// three of these (server, client, name), in a `DNSKeyedTable` sized once for `limit` keys
/// (a `Dictionary` also moved groups in and out).
struct DNSGroups<Key: DNSGroupKey> {
    struct Group {
        var transactions = 0
        var unanswered = 0
        var errors = 0
        var latency = CompactLatencyHistogram()
    }
    let limit: Int
    private var table: DNSKeyedTable<Key, Group>
    private(set) var other: Group?

    init(limit: Int) {
        self.limit = limit
        table = DNSKeyedTable(fixedCapacity: limit)
    }

    /// The groups by key, in the order their keys first came.
    var groups: [(key: Key, value: Group)] { zip(table.keys, table.values).map { ($0, $1) } }

    mutating func add(_ key: Key, _ t: DNSAnalysis.Transaction) {
        let probe = table.probe(key)
        if let i = probe.entry {
            Self.count(t, into: &table[i])
            return
        }
        guard table.count < limit else {
            if other == nil { other = Group() }
            Self.count(t, into: &other!)
            return
        }
        Self.count(t, into: &table[table.insert(key, Group(), probe)])
    }

    private static func count(_ t: DNSAnalysis.Transaction, into g: inout Group) {
        g.transactions += 1
        if !t.answered { g.unanswered += 1 }
        if let r = t.rcode, r != 0 { g.errors += 1 }
        if let l = t.latency { g.latency.record(nanoseconds: l) }
    }
}

/// A key of `DNSGroups`: equatable, with a cheap hash mixed with a per-table seed (so a
/// capture cannot be crafted to collide).
protocol DNSGroupKey: Equatable {
    func groupHash(seed: UInt64) -> UInt64
}

extension IPAddress: DNSGroupKey {
    @inline(__always)
    func groupHash(seed: UInt64) -> UInt64 {
        finalizeHash(seed ^ high &* 0x9E37_79B9_7F4A_7C15 ^ (low &+ 0x632B_E59B_D9B4_E019) &* 0xC2B2_AE3D_27D4_EB4F)
    }
}

extension DNSNameTable.ID: DNSGroupKey {
    @inline(__always)
    func groupHash(seed: UInt64) -> UInt64 { finalizeHash(seed ^ UInt64(raw) &* 0x9E37_79B9_7F4A_7C15) }
}
