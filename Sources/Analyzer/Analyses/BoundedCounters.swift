/// Counters bounded by key count, shared by the DNS and TLS analyses.

/// Counts per key, at most `limit` distinct keys (then `otherKey`).
struct BoundedCounter<Key: Hashable> {
    let limit: Int
    let otherKey: Key
    private(set) var counts: [Key: Int] = [:]
    init(limit: Int, otherKey: Key) {
        self.limit = limit
        self.otherKey = otherKey
    }
    mutating func add(_ key: Key) {
        if let i = counts.index(forKey: key) {
            counts.values[i] += 1  // one probe for a key already counted (most)
            return
        }
        counts[counts.count < limit ? key : otherKey, default: 0] += 1
    }
}

/// `BoundedCounter` for the DNS thread's keys (a question name's id), in a `DNSKeyedTable`
/// (the NXDOMAIN and SERVFAIL names): the same counts, past `limit` keys new ones going to
/// `otherKey`.
struct BoundedKeyCounter<Key: DNSGroupKey & Hashable> {
    let limit: Int
    let otherKey: Key
    private var table = DNSKeyedTable<Key, Int>()

    init(limit: Int, otherKey: Key) {
        self.limit = limit
        self.otherKey = otherKey
    }

    mutating func add(_ key: Key) {
        var probe = table.probe(key)
        if probe.entry == nil && table.count >= limit { probe = table.probe(otherKey) }
        if let i = probe.entry {
            table[i] += 1
        } else {
            table.insert(table.count < limit ? key : otherKey, 1, probe)
        }
    }

    /// Every key's count.
    var counts: [Key: Int] { Dictionary(uniqueKeysWithValues: zip(table.keys, table.values)) }
}

extension BoundedCounter where Key == String {
    init(limit: Int) { self.init(limit: limit, otherKey: "(other)") }
}

/// Counts by a 16-bit code (rcodes, query types): the codes below 256 (all but rare ones) in
/// an array, the rest in a `Dictionary`. A `Dictionary` alone ran SipHash on every message.
struct CodeCounter {
    private var small = [Int](repeating: 0, count: 256)
    private var large: [UInt16: Int] = [:]

    @inline(__always)
    mutating func add(_ code: UInt16) {
        if code < 256 { small[Int(code)] += 1 } else { large[code, default: 0] += 1 }
    }

    /// Every code counted at least once.
    var counts: [UInt16: Int] {
        var out = large
        for (code, n) in small.enumerated() where n > 0 { out[UInt16(code)] = n }
        return out
    }
}
