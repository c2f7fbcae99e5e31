/// The DNS transactions awaiting an answer or their expiry, by conversation and ID: probed
/// on every DNS message, so a dense entry array behind `TaggedSlots`, hashed by the flow
/// key's own seeded mix (a `Dictionary` hashed each key's eight fields through SipHash:
/// measured, a tenth of the DNS thread). An entry's number is stable until the next
/// removal (removal moves the last entry into the hole). A probe touches an entry only
/// when the tags match (a new query, most messages' first lookup, usually touches none).
struct DNSPendingTable {
    typealias Key = DNSAnalysis.Key
    typealias Transaction = DNSAnalysis.Transaction

    private struct Entry {
        var key: Key
        var value: Transaction
    }

    private var entries: [Entry] = []
    private var index = TaggedSlots()
    /// Per table and process: a capture cannot be crafted to collide.
    private let seed = UInt64.random(in: .min ... .max)

    var count: Int { entries.count }
    var isEmpty: Bool { entries.isEmpty }
    /// Every pending transaction, in no particular order.
    var values: [Transaction] { entries.map(\.value) }

    @inline(__always)
    private func tag(_ key: Key) -> UInt32 {
        UInt32(truncatingIfNeeded: key.flow.hash(seed: seed ^ UInt64(key.id) &* 0x9E37_79B9_7F4A_7C15) >> 32)
    }

    /// Starts loading the slot `key` hashes to.
    @inline(__always)
    func prefetch(_ key: Key) { index.prefetch(tag(key)) }

    /// The entry number of `key`, if pending.
    func index(forKey key: Key) -> Int? { index.find(tag(key)) { entries[$0].key == key }.entry }

    /// The transaction with entry number `i`.
    subscript(at i: Int) -> Transaction {
        get { entries[i].value }
        _modify { yield &entries[i].value }
    }

    subscript(key: Key) -> Transaction? { index(forKey: key).map { entries[$0].value } }

    /// Adds or replaces the transaction of `key`.
    mutating func set(_ key: Key, _ value: Transaction) {
        let t = tag(key)
        let found = index.find(t) { entries[$0].key == key }
        if let i = found.entry {
            entries[i].value = value
            return
        }
        entries.append(Entry(key: key, value: value))
        index.insert(t, entries.count - 1, emptySlot: found.emptySlot)
    }

    /// Removes entry `i` and returns its transaction; the last entry takes number `i`.
    mutating func remove(at i: Int) -> Transaction {
        let removed = entries[i].value
        index.remove(tag(entries[i].key), i)
        let last = entries.count - 1
        if i != last {
            index.renumber(tag(entries[last].key), last, to: i)
            entries.swapAt(i, last)
        }
        entries.removeLast()
        return removed
    }

    mutating func removeAll() {
        entries.removeAll()
        index = TaggedSlots()
    }
}
