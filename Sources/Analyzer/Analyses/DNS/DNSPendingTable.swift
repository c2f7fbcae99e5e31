/// The DNS transactions awaiting an answer or their expiry, by conversation and ID: probed
/// on every DNS message, so an open-addressing table of entry numbers over a dense entry
/// array, hashed by the flow key's own seeded mix (a `Dictionary` hashed each key's eight
/// fields through SipHash: measured, a tenth of the DNS thread). Linear probing with
/// backward-shift deletion, at most half full; an entry's number is stable until the next
/// removal (removal moves the last entry into the hole).
struct DNSPendingTable {
    typealias Key = DNSAnalysis.Key
    typealias Transaction = DNSAnalysis.Transaction

    private struct Entry {
        var key: Key
        var hash: UInt32
        var value: Transaction
    }

    private var entries: [Entry] = []
    /// 0: empty; else 1 + the entry's number.
    private var slots = [Int32](repeating: 0, count: 1024)
    private var mask = 1023
    /// Per table and process: a capture cannot be crafted to collide.
    private let seed = UInt64.random(in: .min ... .max)

    var count: Int { entries.count }
    var isEmpty: Bool { entries.isEmpty }
    /// Every pending transaction, in no particular order.
    var values: [Transaction] { entries.map(\.value) }

    @inline(__always)
    private func hash(_ key: Key) -> UInt32 {
        UInt32(truncatingIfNeeded: key.flow.hash(seed: seed ^ UInt64(key.id) &* 0x9E37_79B9_7F4A_7C15) >> 32)
    }

    /// The entry number of `key`, if pending.
    func index(forKey key: Key) -> Int? {
        let h = hash(key)
        var slot = Int(h) & mask
        while true {
            let s = slots[slot]
            if s == 0 { return nil }
            let i = Int(s) - 1
            if entries[i].hash == h && entries[i].key == key { return i }
            slot = (slot + 1) & mask
        }
    }

    /// The transaction with entry number `i`.
    subscript(at i: Int) -> Transaction {
        get { entries[i].value }
        _modify { yield &entries[i].value }
    }

    subscript(key: Key) -> Transaction? { index(forKey: key).map { entries[$0].value } }

    /// Adds or replaces the transaction of `key`.
    mutating func set(_ key: Key, _ value: Transaction) {
        if let i = index(forKey: key) {
            entries[i].value = value
            return
        }
        if (entries.count + 1) * 2 > slots.count { grow() }
        let h = hash(key)
        entries.append(Entry(key: key, hash: h, value: value))
        place(h, Int32(entries.count))
    }

    /// Removes entry `i` and returns its transaction; the last entry takes number `i`.
    mutating func remove(at i: Int) -> Transaction {
        let removed = entries[i]
        unplace(removed.hash, Int32(i + 1))
        let last = entries.count - 1
        if i != last {
            let moved = entries[last]
            retarget(moved.hash, from: Int32(last + 1), to: Int32(i + 1))
            entries[i] = moved
        }
        entries.removeLast()
        return removed.value
    }

    mutating func removeAll() {
        entries.removeAll()
        slots = [Int32](repeating: 0, count: 1024)
        mask = 1023
    }

    private mutating func place(_ h: UInt32, _ value: Int32) {
        var slot = Int(h) & mask
        while slots[slot] != 0 { slot = (slot + 1) & mask }
        slots[slot] = value
    }

    private func slot(of value: Int32, _ h: UInt32) -> Int {
        var slot = Int(h) & mask
        while slots[slot] != value { slot = (slot + 1) & mask }
        return slot
    }

    private mutating func retarget(_ h: UInt32, from old: Int32, to new: Int32) {
        slots[slot(of: old, h)] = new
    }

    /// Empties the slot holding `value` and shifts later entries of the probe run back, so
    /// no lookup ever needs a tombstone.
    private mutating func unplace(_ h: UInt32, _ value: Int32) {
        var hole = slot(of: value, h)
        var next = (hole + 1) & mask
        while slots[next] != 0 {
            let home = Int(entries[Int(slots[next]) - 1].hash) & mask
            // Movable into the hole when its home is not in (hole, next], cyclically.
            let distanceToNext = (next - home) & mask, distanceToHole = (next - hole) & mask
            if distanceToNext >= distanceToHole {
                slots[hole] = slots[next]
                hole = next
            }
            next = (next + 1) & mask
        }
        slots[hole] = 0
    }

    private mutating func grow() {
        slots = [Int32](repeating: 0, count: slots.count * 2)
        mask = slots.count - 1
        for i in entries.indices { place(entries[i].hash, Int32(i + 1)) }
    }
}
