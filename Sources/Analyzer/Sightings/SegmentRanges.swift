import Dissectors

/// TCP byte ranges first seen at each point, so that the same bytes cut differently at two
/// points (TSO/GSO on the sender's side, GRO on the receiver's: one segment of 4 × MSS at
/// one point, four at another) are matched by sequence range where their identities differ.
///
/// Each TCP packet with a payload that is new to the sightings table (not a copy by identity)
/// is checked (`check`): whether its bytes were all seen at other points within the matching
/// window, and which entries held them; if not, it is entered with its direction (addresses
/// and ports, as `NATViews` joined them), its point, time, sequence range and identity.
///
/// Bound: `buckets` direct-mapped buckets of `perBucket` entries (40 bytes each, 320 KiB, in
/// `MemoryBudget`): a direction's entries share a bucket, the oldest giving way; a range no
/// longer there is not matched (its copies count as packets of their own, as without this
/// table). So a segment merged from more than `perBucket` others (GRO of more than 8
/// segments) is not matched; one cut into any number (TSO/GSO) is, each piece by the whole. A resend is seen first where
/// its original was (both at the sender's side), so only other points' ranges cover it.
struct SegmentRanges {
    static let buckets = 1_024
    static let perBucket = 8

    struct Entry {
        var identity: UInt64 = 0
        var time: Int64 = 0
        var start: UInt32 = 0
        var length: UInt32 = 0
        var direction: UInt32 = 0
        var point: UInt16 = 0
    }

    private var entries: [Entry] = []
    private var next: [UInt8] = []
    /// Per bucket, the points its entries were seen at (`SightingTable.Slot.bit`; bits of
    /// entries that gave way stay): a bucket with none but this point's is passed in one test
    /// (a node's capture of several interfaces sees each new segment first at one point).
    private var pointsSeen: [UInt64] = []

    /// Empty until `allocate` (one point needs none).
    init() {}

    mutating func allocate() {
        guard entries.isEmpty else { return }
        entries = [Entry](repeating: Entry(), count: Self.buckets * Self.perBucket)
        next = [UInt8](repeating: 0, count: Self.buckets)
        pointsSeen = [UInt64](repeating: 0, count: Self.buckets)
    }

    /// A TCP segment's facts: scalars, not the frame (a borrowed frame was copied into calls).
    struct Segment {
        var source: IPAddress
        var destination: IPAddress
        var sourcePort: UInt16
        var destinationPort: UInt16
        var sequence: UInt32
        var length: UInt32

        init(_ frame: borrowing DecodedFrame) {
            (source, destination) = (frame.source, frame.destination)
            (sourcePort, destinationPort) = (frame.sourcePort, frame.destinationPort)
            sequence = frame.sequenceNumber
            length = UInt32(truncatingIfNeeded: frame.payload.count)
        }
    }

    /// A direction's hash (never 0) and bucket.
    @inline(__always)
    static func place(_ frame: Segment) -> (direction: UInt32, bucket: Int) {
        var h = frame.source.low &* 0x9E37_79B9_7F4A_7C15 ^ frame.source.high
        h = (h ^ frame.destination.low) &* 0xC2B2_AE3D_27D4_EB4F ^ frame.destination.high
        h = (h ^ UInt64(frame.sourcePort) << 16 ^ UInt64(frame.destinationPort)) &* 0x1656_67B1_9E37_79F9
        let direction = UInt32(truncatingIfNeeded: h >> 32) | 1
        return (direction, Int(truncatingIfNeeded: h & UInt64(buckets - 1)))
    }

    /// A segment new by identity, seen at `point`: the identities of the entries, at other
    /// points and within `window` of `now`, whose ranges together hold all of its bytes; when
    /// they do not (empty), the segment is entered.
    mutating func check(_ frame: Segment, identity: UInt64, point: Int, now: Int64, window: Int64) -> [UInt64] {
        guard !entries.isEmpty else { return [] }
        let (direction, bucket) = Self.place(frame)
        let bit = SightingTable.Slot.bit(point)
        if pointsSeen[bucket] & ~bit != 0 {
            let found = covering(frame, direction: direction, bucket: bucket, point: point, now: now, window: window)
            if !found.isEmpty { return found }
        }
        pointsSeen[bucket] |= bit
        let i = bucket * Self.perBucket + Int(next[bucket])
        next[bucket] = UInt8((Int(next[bucket]) + 1) % Self.perBucket)
        entries[i] = Entry(
            identity: identity, time: now, start: frame.sequence, length: frame.length, direction: direction,
            point: UInt16(truncatingIfNeeded: point))
        return []
    }

    /// The identities of the entries, at points other than `point` and within `window` of
    /// `now`, whose ranges together hold all of the segment's bytes; empty when they do not.
    private func covering(
        _ frame: Segment, direction: UInt32, bucket: Int, point: Int, now: Int64, window: Int64
    ) -> [UInt64] {
        let (start, length) = (frame.sequence, frame.length)
        var covered: UInt32 = 0  // bytes from `start` known to be held
        var used: [UInt64] = []
        let base = bucket * Self.perBucket
        var progressed = true
        while covered < length && progressed {
            progressed = false
            for k in base..<base + Self.perBucket where covered < length {
                let e = entries[k]
                guard e.direction == direction, Int(e.point) != point, e.length > 0,
                    Sightings.apart(now, e.time) < window
                else { continue }
                // Offsets from the segment's start, in sequence space (wrapping).
                let from = e.start &- start, to = from &+ e.length
                let at = covered
                // The entry begins at or before `at` and ends past it.
                let begins = from <= at || from > UInt32.max / 2
                let ends = to &- at
                guard begins, ends > 0, ends <= UInt32.max / 2 else { continue }
                covered = min(length, at &+ ends)
                if !used.contains(e.identity) { used.append(e.identity) }
                progressed = true
            }
        }
        return covered >= length ? used : []
    }
}
