import Dissectors

/// With one observation point, the only copies are the capture's own: the same bytes at
/// that point within `Sightings.duplicateWindow`. A packet's bytes are stood for by a 64-bit
/// key of its addresses, TTL, IPv4 ID, fragment offset and the first 28 bytes of its IP
/// payload (transport header, checksum included), looked up in a
/// direct-mapped table of the latest packets (`slots` entries of 16 bytes: 4 KiB, in the
/// first-level cache). Two packets within the window on one slot: the later takes it, and a
/// copy of the earlier then counts as a packet, as it did before this stage (at a million
/// packets a second, 50 in the window: one in five copies missed). Cheaper than
/// `SightingKey.identity`: this runs on every packet of every single-point capture.
struct OnePointCopies {
    static let slots = 1 << 8

    struct Entry {
        var key: UInt64 = 0
        var time: Int64 = 0
    }

    /// The table, outside the struct so that a write needs no uniqueness check.
    final class Storage {
        let entries = UnsafeMutablePointer<Entry>.allocate(capacity: OnePointCopies.slots)
        init() { entries.initialize(repeating: Entry(), count: OnePointCopies.slots) }
        deinit { entries.deallocate() }
    }

    private let storage = Storage()

    /// True when a packet with this key was seen within the window; else it is entered.
    @inline(__always)
    func isCopy(key k: UInt64, now: Int64) -> Bool {
        let e = storage.entries + (Int(truncatingIfNeeded: k >> 40) & (Self.slots - 1))
        let copy = e.pointee.key == k && Sightings.apart(now, e.pointee.time) < Sightings.duplicateWindow
        e.pointee = Entry(key: k, time: now)
        return copy
    }

    /// The key of an IP packet from its addresses (folded), TTL, IPv4 ID, fragment offset and
    /// its IP payload's first 28 bytes (TCP: ports, sequence and acknowledgment numbers,
    /// flags, window, checksum, the options' or payload's start; UDP: the header and the
    /// payload's start, a DNS header and the question's first bytes; ICMP: its header and
    /// data), as scalars, not the frame (a borrowed frame was copied per packet). Every header
    /// byte counts: a capture on the sending host may hold checksums its NIC fills in later,
    /// and UDP's may be 0, so a checksum may cover neither payload nor ports. Four multiplies
    /// apart, folded.
    @inline(__always)
    static func key(addresses: UInt64, fields: UInt64, payload p: ByteSlice) -> UInt64 {
        let n = p.count
        var a: UInt64 = 0, b: UInt64 = 0, c: UInt64 = 0, d: UInt64 = 0
        if n >= 28 {
            (a, b, c, d) = p.words28()  // host order: a key, not a value
        } else if n >= 8 {
            (a, b, c) = (p.u64(at: 0), p.u64(at: n / 2 - 4), p.u64(at: n - 8))
        } else {
            a = SightingKey.prefix(p, skipping: -9)
        }
        var k = (a ^ fields) &* 0x9E37_79B9_7F4A_7C15
        k ^= rotate((b ^ addresses) &* 0xC2B2_AE3D_27D4_EB4F, 31)
        k ^= rotate((c ^ UInt64(n)) &* 0x1656_67B1_9E37_79F9, 17)
        k ^= rotate(d &* 0x27D4_EB2F_1656_67C5, 47)
        return (k ^ k >> 29) | 1
    }

    @inline(__always)
    static func rotate(_ x: UInt64, _ r: UInt64) -> UInt64 { x << r | x >> (64 - r) }
}
