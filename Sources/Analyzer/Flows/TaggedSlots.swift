import CPrefetch

/// The open-addressing index the hot tables share (flows, pending DNS transactions, DNS
/// breakdowns, DNS names): slots over the entry numbers of a dense array the owner keeps.
///
/// Why not `Dictionary`: measured 1.4-1.5x slower on the standard workload
/// (shared/PERFORMANCE.md), and SipHash per probe. A slot holds `tag << 32 | entry + 1`; the
/// tag (32 bits of the key's seeded hash) is also the home slot, so growing and
/// backward-shift deletion never touch the entries themselves, and a probe compares the
/// tag before asking the owner about the key. Linear probing, at most half full.
struct TaggedSlots {
    private var slots: [UInt64]
    private var mask: Int
    private(set) var count = 0

    init() {
        slots = Array(repeating: 0, count: 1024)
        mask = 1023
    }

    /// At most `capacity` entries, ever: sized once, never grown.
    init(fixedCapacity capacity: Int) {
        var size = 16
        while size < capacity * 2 { size *= 2 }
        slots = Array(repeating: 0, count: size)
        mask = size - 1
    }

    @inline(__always) private func home(_ slotValue: UInt64) -> Int { Int(truncatingIfNeeded: slotValue >> 32) & mask }
    @inline(__always) private static func entry(_ slotValue: UInt64) -> Int {
        Int(truncatingIfNeeded: slotValue & 0xFFFF_FFFF) - 1
    }
    @inline(__always) private static func value(_ tag: UInt32, _ entry: Int) -> UInt64 { UInt64(tag) << 32 | UInt64(entry + 1) }

    /// The entry with `tag` that `matches` accepts, else nil and the empty slot where an
    /// entry with this tag would go (for `insert`).
    @inline(__always)
    func find(_ tag: UInt32, _ matches: (Int) -> Bool) -> (entry: Int?, emptySlot: Int) {
        var slot = Int(tag) & mask
        while true {
            let s = slots[slot]
            if s == 0 { return (nil, slot) }
            if UInt32(truncatingIfNeeded: s >> 32) == tag, matches(Self.entry(s)) { return (Self.entry(s), slot) }
            slot = (slot + 1) & mask
        }
    }

    /// Starts loading `tag`'s home slot into the cache (a lookup of it comes soon).
    @inline(__always)
    func prefetch(_ tag: UInt32) {
        slots.withUnsafeBufferPointer { loupe_prefetch($0.baseAddress! + (Int(tag) & mask)) }
    }

    /// Indexes `entry` under `tag`; `emptySlot`, from a `find` since which nothing was
    /// inserted, saves the probe (ignored when the index grows first).
    mutating func insert(_ tag: UInt32, _ entry: Int, emptySlot: Int? = nil) {
        var slot = emptySlot ?? -1
        if (count + 1) * 2 > slots.count {
            grow()
            slot = -1
        }
        if slot < 0 {
            slot = Int(tag) & mask
            while slots[slot] != 0 { slot = (slot + 1) & mask }
        }
        slots[slot] = Self.value(tag, entry)
        count += 1
    }

    /// Removes `entry` (backward-shift deletion: no tombstones).
    mutating func remove(_ tag: UInt32, _ entry: Int) {
        var hole = slot(of: tag, entry)
        var next = (hole + 1) & mask
        while slots[next] != 0 {
            // Move the entry back unless its home lies cyclically in (hole, next].
            if (next - home(slots[next])) & mask >= (next - hole) & mask {
                slots[hole] = slots[next]
                hole = next
            }
            next = (next + 1) & mask
        }
        slots[hole] = 0
        count -= 1
    }

    /// The owner moved `entry` to number `new` (it compacts its array).
    mutating func renumber(_ tag: UInt32, _ entry: Int, to new: Int) {
        slots[slot(of: tag, entry)] = Self.value(tag, new)
    }

    /// Empties the index and releases its slots (a table is emptied at the end of the pass,
    /// when a zeroed copy of a large index was pure peak memory: measured, 1 MB on the DNS
    /// conversations' table at 6M packets).
    mutating func removeAll() {
        self = TaggedSlots()
    }

    private func slot(of tag: UInt32, _ entry: Int) -> Int {
        let value = Self.value(tag, entry)
        var slot = Int(tag) & mask
        while slots[slot] != value { slot = (slot + 1) & mask }
        return slot
    }

    private mutating func grow() {
        let old = slots
        slots = Array(repeating: 0, count: old.count * 2)
        mask = slots.count - 1
        for s in old where s != 0 {
            var slot = home(s)
            while slots[slot] != 0 { slot = (slot + 1) & mask }
            slots[slot] = s
        }
    }
}

/// The last step of every seeded hash here: murmur3's 64-bit finaliser, so each input bit
/// reaches the bits the tables use (the tag and the home slot).
@inline(__always)
func finalizeHash(_ x: UInt64) -> UInt64 {
    var h = x
    h ^= h >> 33
    h &*= 0xFF51_AFD7_ED55_8CCD
    h ^= h >> 33
    h &*= 0xC4CE_B9FE_1A85_EC53
    h ^= h >> 33
    return h
}
