import CPrefetch

/// The DNS transactions awaiting an answer or their expiry, by conversation and ID: probed
/// on every DNS message, so an entry array behind `TaggedSlots`, hashed by the flow key's
/// own seeded mix (a `Dictionary` hashed each key's eight fields through SipHash: measured,
/// a tenth of the DNS thread). A probe touches an entry only when the tags match (a new
/// query, most messages' first lookup, usually touches none).
///
/// An entry keeps its number while it is pending: a removal leaves a hole that the next
/// new key fills (a free list), where moving the last entry into the hole cost a second
/// probe of the index to renumber it, a miss to memory per expiry (measured: 6% of the DNS
/// thread with the move of the entry itself). So the expiry queue holds a `Handle` (number
/// and generation) and reaches its transaction without hashing the key.
struct DNSPendingTable {
    typealias Key = DNSAnalysis.Key
    typealias Transaction = DNSAnalysis.Transaction

    /// An entry as it was when handed out: stale once the entry is removed (its generation
    /// moves on), whether or not its number was taken again since.
    struct Handle {
        fileprivate let entry: Int32
        fileprivate let generation: UInt32
    }

    private struct Entry {
        var key: Key
        var value: Transaction
        /// Even while pending, odd while free: each removal and each reuse adds one.
        var generation: UInt32
    }

    private var entries: [Entry] = []
    /// Numbers of free entries, the last freed taken first (its memory is the warmest).
    private var free: [Int32] = []
    private var index = TaggedSlots()
    /// Per table and process: a capture cannot be crafted to collide.
    private let seed = UInt64.random(in: .min ... .max)
    private(set) var count = 0

    var isEmpty: Bool { count == 0 }
    /// Every pending transaction, in no particular order.
    var values: [Transaction] { entries.lazy.filter { $0.generation & 1 == 0 }.map(\.value) }

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

    /// The handle of pending entry number `i`.
    func handle(_ i: Int) -> Handle { Handle(entry: Int32(i), generation: entries[i].generation) }

    /// The entry number of `handle`, if that entry is still pending.
    @inline(__always)
    func entry(_ handle: Handle) -> Int? {
        let i = Int(handle.entry)
        return i < entries.count && entries[i].generation == handle.generation ? i : nil
    }

    /// Starts loading `handle`'s entry (its key and the transaction's first fields).
    @inline(__always)
    func prefetch(_ handle: Handle) {
        let i = Int(handle.entry)
        guard i < entries.count else { return }
        entries.withUnsafeBufferPointer { buffer in
            let raw = UnsafeRawPointer(buffer.baseAddress! + i)
            loupe_prefetch(raw)
            loupe_prefetch(raw + 64)
            loupe_prefetch(raw + 128)
        }
    }

    /// Starts loading the index slot that removing `handle`'s entry will look for; its
    /// entry should be in the cache already (`prefetch(_:)` some expiries earlier).
    @inline(__always)
    func prefetchSlot(_ handle: Handle) {
        guard let i = entry(handle) else { return }
        index.prefetch(tag(entries[i].key))
    }

    /// Adds or replaces the transaction of `key`; returns its entry number.
    @discardableResult
    mutating func set(_ key: Key, _ value: Transaction) -> Int {
        let t = tag(key)
        let found = index.find(t) { entries[$0].key == key }
        if let i = found.entry {
            entries[i].value = value
            return i
        }
        let i: Int
        if let reused = free.popLast() {
            i = Int(reused)
            entries[i].key = key
            entries[i].value = value
            entries[i].generation &+= 1
        } else {
            i = entries.count
            entries.append(Entry(key: key, value: value, generation: 0))
        }
        count += 1
        index.insert(t, i, emptySlot: found.emptySlot)
        return i
    }

    /// Removes entry `i` and returns its transaction; other entries keep their numbers.
    mutating func remove(at i: Int) -> Transaction {
        index.remove(tag(entries[i].key), i)
        entries[i].generation &+= 1
        free.append(Int32(i))
        count -= 1
        return entries[i].value
    }

    mutating func removeAll() {
        entries.removeAll()
        free.removeAll()
        count = 0
        index = TaggedSlots()
    }
}
