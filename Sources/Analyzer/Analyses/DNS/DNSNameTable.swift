import Foundation

/// Question names, interned: each distinct name (the exact bytes of its presentation form)
/// gets a small number, so a DNS transaction is a plain value (no String to allocate,
/// retain and release per query), and per-name tallies and the search-path detector key
/// on an integer. Text is built only for the names a report lists.
///
/// Memory is bounded: past `capacity` distinct names or `byteCapacity` bytes of names, a
/// new name gets `ID.overflow` and is counted in `overflowed`, which the report states
/// (such names are not told apart: retransmission and per-name figures lose them).
struct DNSNameTable {
    struct ID: Hashable, Comparable {
        var raw: UInt32
        /// Every name that did not fit.
        static let overflow = ID(raw: 0)
        /// The key bounded per-name tallies fold their surplus names into.
        static let other = ID(raw: .max)
        static func < (a: ID, b: ID) -> Bool { a.raw < b.raw }
    }

    static let overflowText = "(name table full)"
    let capacity: Int
    let byteCapacity: Int
    /// Names' bytes end to end; entry i (id i + 1) is `bytes[starts[i] ..< starts[i + 1]]`.
    private var bytes: [UInt8] = []
    private var starts: [Int] = [0]
    /// Entry numbers are ids minus one.
    private var index = TaggedSlots()
    private let seed: UInt64
    private(set) var overflowed = 0

    init(capacity: Int = 1 << 18, byteCapacity: Int = 16 << 20) {
        self.capacity = capacity
        self.byteCapacity = byteCapacity
        // Seeded per process, so a capture cannot be crafted to collide; ids do not depend
        // on it (they number names in order of first appearance), so output is deterministic.
        seed = UInt64.random(in: 1 ... .max)
    }

    var count: Int { starts.count - 1 }

    /// Frees the names, once nothing will ask for their text again (the report's DNS section
    /// is built); `overflowed` stays.
    mutating func releaseStorage() {
        bytes = []
        starts = [0]
        index = TaggedSlots()
    }

    /// The name's id, adding it when new.
    mutating func intern(_ name: UnsafeBufferPointer<UInt8>) -> ID {
        let tag = UInt32(truncatingIfNeeded: hash(name) >> 32)
        let found = index.find(tag) { equal($0 + 1, name) }
        if let entry = found.entry { return ID(raw: UInt32(entry + 1)) }
        guard count < capacity, bytes.count + name.count <= byteCapacity else {
            overflowed += 1
            return .overflow
        }
        bytes.append(contentsOf: name)
        starts.append(bytes.count)
        index.insert(tag, count - 1, emptySlot: found.emptySlot)
        return ID(raw: UInt32(count))
    }

    mutating func intern(_ name: String) -> ID {
        var name = name
        return name.withUTF8 { intern($0) }
    }

    /// The name's presentation text (`overflowText` for the overflow id, "(other)" for `other`).
    func text(_ id: ID) -> String {
        guard id != .overflow else { return Self.overflowText }
        guard id != .other else { return "(other)" }
        let i = Int(id.raw) - 1
        return String(decoding: bytes[starts[i]..<starts[i + 1]], as: UTF8.self)
    }

    /// Calls `body` with the name's bytes (empty for the overflow id).
    func withBytes<R>(_ id: ID, _ body: (ArraySlice<UInt8>) -> R) -> R {
        guard id != .overflow, id != .other else { return body([]) }
        let i = Int(id.raw) - 1
        return body(bytes[starts[i]..<starts[i + 1]])
    }

    /// Same name but for ASCII case (resolvers randomise case, the "0x20" draft). The
    /// overflow id equals nothing, itself included: its names are unknown.
    func equalIgnoringCase(_ a: ID, _ b: ID) -> Bool {
        guard a != .overflow, b != .overflow, a != .other, b != .other else { return false }
        if a == b { return true }
        return withBytes(a) { x in
            withBytes(b) { y in
                x.elementsEqual(y) { SearchPathDetector.fold($0) == SearchPathDetector.fold($1) }
            }
        }
    }

    private func equal(_ id: Int, _ name: UnsafeBufferPointer<UInt8>) -> Bool {
        let start = starts[id - 1], end = starts[id]
        guard end - start == name.count else { return false }
        return bytes.withUnsafeBufferPointer { all in
            name.isEmpty || memcmp(all.baseAddress! + start, name.baseAddress!, name.count) == 0
        }
    }

    /// Eight bytes at a time, mixed with multiply-xorshift (`finalizeHash` at the end).
    private func hash(_ name: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var h = seed ^ UInt64(name.count) &* 0x9E37_79B9_7F4A_7C15
        let raw = UnsafeRawBufferPointer(name)
        var at = 0
        while at + 8 <= raw.count {
            h = (h ^ raw.loadUnaligned(fromByteOffset: at, as: UInt64.self)) &* 0xFF51_AFD7_ED55_8CCD
            h ^= h >> 29
            at += 8
        }
        var tail: UInt64 = 0
        while at < raw.count {
            tail = tail << 8 | UInt64(raw[at])
            at += 1
        }
        return finalizeHash(h ^ tail)
    }
}
