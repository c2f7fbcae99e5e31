/// Values by key for the DNS thread's per-message and per-transaction tables (breakdowns,
/// name counts, search-path attempts by client): keys and values in dense arrays behind
/// `TaggedSlots`, hashed by the key's own seeded cheap mix (`DNSGroupKey`), where a
/// `Dictionary` ran SipHash on every probe (measured: a tenth of the DNS thread for the
/// breakdowns, 5% for the search-path attempts, 2% for the name counts). A key's number is
/// its place in `keys`, stable until a removal (which moves the last key into the hole).
struct DNSKeyedTable<Key: DNSGroupKey, Value> {
    private(set) var keys: [Key] = []
    private(set) var values: [Value] = []
    private var index: TaggedSlots
    /// Per table and process: a capture cannot be crafted to collide.
    private let seed = UInt64.random(in: .min ... .max)

    init() { index = TaggedSlots() }

    /// At most `capacity` keys, ever: the index sized once, never grown.
    init(fixedCapacity capacity: Int) { index = TaggedSlots(fixedCapacity: capacity) }

    var count: Int { keys.count }
    var isEmpty: Bool { keys.isEmpty }

    /// Where a key is (`entry`, its number), or where it would go: valid for `insert` until
    /// the table changes.
    struct Probe {
        fileprivate let tag: UInt32
        let entry: Int?
        fileprivate let emptySlot: Int
    }

    @inline(__always)
    private func tag(_ key: Key) -> UInt32 { UInt32(truncatingIfNeeded: key.groupHash(seed: seed) >> 32) }

    @inline(__always)
    func probe(_ key: Key) -> Probe {
        let t = tag(key)
        let found = index.find(t) { keys[$0] == key }
        return Probe(tag: t, entry: found.entry, emptySlot: found.emptySlot)
    }

    /// Adds `key` (absent, as `probe` found) with `value`; returns its number.
    @discardableResult
    mutating func insert(_ key: Key, _ value: Value, _ probe: Probe) -> Int {
        keys.append(key)
        values.append(value)
        index.insert(probe.tag, keys.count - 1, emptySlot: probe.emptySlot)
        return keys.count - 1
    }

    /// The value of key number `i`.
    subscript(i: Int) -> Value {
        get { values[i] }
        _modify { yield &values[i] }
    }

    /// Removes key number `i`; the last key takes its number.
    mutating func remove(at i: Int) {
        index.remove(tag(keys[i]), i)
        let last = keys.count - 1
        if i != last {
            index.renumber(tag(keys[last]), last, to: i)
            keys.swapAt(i, last)
            values.swapAt(i, last)
        }
        keys.removeLast()
        values.removeLast()
    }
}
