/// The DNS transactions awaiting an answer or their expiry, by conversation and ID: probed
/// on every DNS message, so an open-addressing table of entry numbers over a dense entry
/// array, hashed by the flow key's own seeded mix (a `Dictionary` hashed each key's eight
/// fields through SipHash: measured, a tenth of the DNS thread). Linear probing with
/// backward-shift deletion, at most half full; an entry's number is stable until the next
/// removal (removal moves the last entry into the hole). A slot holds the key's hash beside
/// the entry number, so a probe touches an entry only when the hashes match (a new query,
/// most messages' first lookup, usually touches none).
struct DNSPendingTable {
    typealias Key = DNSAnalysis.Key
    typealias Transaction = DNSAnalysis.Transaction

    private struct Entry {
        var key: Key
        var value: Transaction
    }

    private var entries: [Entry] = []
    /// 0: empty; else the key's hash (high half) and 1 + the entry's number (low half).
    private var slots = [UInt64](repeating: 0, count: 1024)
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
            if UInt32(truncatingIfNeeded: s >> 32) == h {
                let i = Int(truncatingIfNeeded: s & 0xFFFF_FFFF) - 1
                if entries[i].key == key { return i }
            }
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
        entries.append(Entry(key: key, value: value))
        place(hash(key), entries.count)
    }

    /// Removes entry `i` and returns its transaction; the last entry takes number `i`.
    mutating func remove(at i: Int) -> Transaction {
        let removed = entries[i].value
        unplace(hash(entries[i].key), i + 1)
        let last = entries.count - 1
        if i != last {
            retarget(hash(entries[last].key), from: last + 1, to: i + 1)
            entries.swapAt(i, last)
        }
        entries.removeLast()
        return removed
    }

    mutating func removeAll() {
        entries.removeAll()
        slots = [UInt64](repeating: 0, count: 1024)
        mask = 1023
    }

    @inline(__always)
    private static func slotValue(_ h: UInt32, _ number: Int) -> UInt64 { UInt64(h) << 32 | UInt64(number) }

    private mutating func place(_ h: UInt32, _ number: Int) {
        var slot = Int(h) & mask
        while slots[slot] != 0 { slot = (slot + 1) & mask }
        slots[slot] = Self.slotValue(h, number)
    }

    private func slot(of number: Int, _ h: UInt32) -> Int {
        let value = Self.slotValue(h, number)
        var slot = Int(h) & mask
        while slots[slot] != value { slot = (slot + 1) & mask }
        return slot
    }

    private mutating func retarget(_ h: UInt32, from old: Int, to new: Int) {
        slots[slot(of: old, h)] = Self.slotValue(h, new)
    }

    /// Empties the slot holding `value` and shifts later entries of the probe run back, so
    /// no lookup ever needs a tombstone.
    private mutating func unplace(_ h: UInt32, _ number: Int) {
        var hole = slot(of: number, h)
        var next = (hole + 1) & mask
        while slots[next] != 0 {
            let home = Int(truncatingIfNeeded: slots[next] >> 32) & mask
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
        let old = slots
        slots = [UInt64](repeating: 0, count: old.count * 2)
        mask = slots.count - 1
        for s in old where s != 0 { place(UInt32(truncatingIfNeeded: s >> 32), Int(truncatingIfNeeded: s & 0xFFFF_FFFF)) }
    }
}
