import Dissectors

/// The path between observation points (issue 25's `path` section), from the sightings of
/// each packet: per hop (a point, and the next point that saw the same packet) how many
/// packets crossed it and their delays; and the packets that reached a point their flow is
/// known to leave for another and were never seen there (lost in between).
///
/// Rules (docs/sightings.md "The path"):
/// - A hop is counted from one sighting to the packet's next at another point (a packet seen
///   at a, b, c crosses a -> b and b -> c). Its delay is the later time minus the earlier, in
///   the points' clocks: between nodes it is shifted by their estimated offset at the end.
/// - A packet is lost between a and b when its latest sighting was at a, its direction's
///   packets are known to go from a to b (`FlowPaths`), it was not seen at b within the
///   matching window, and b saw packets before and after it (b was capturing then). A point
///   whose capture reported drops (pcapng statistics) cannot tell: its losses are counted
///   apart (`unverified` at report time), as are those whose next point was not capturing
///   (`notCapturing`).
///
/// Bounds: `maximumHops` hops (past it, not counted: `untrackedHops`); `maximumLossRows`
/// (flow, hop) rows of losses (past it, counted in the hop only: `unrowedLosses`).
struct PathTracker: SightingExpiry {
    static let maximumHops = 128
    static let maximumLossRows = 2_048

    struct Hop {
        var from: Int
        var to: Int
        var packets = 0
        var delays = SignedDelays()
        /// Lost between the two points, by the rule above (those in rows and the others).
        var lost = 0
    }

    /// A flow's lost packets between two points; `fromLow`: they went low -> high.
    struct LossKey: Hashable {
        var flow: FlowKey
        var fromLow: Bool
        var from: UInt16
        var to: UInt16
    }

    struct Loss {
        var packets = 0
        /// The first lost packet's latest sighting (nanoseconds), to name the pods then.
        var first: Int64
        var clientLow: Bool
    }

    private(set) var hops: [Hop] = []
    private var hopIndex: [UInt32: Int] = [:]
    /// Direct-mapped cache of `hopIndex` (key + 1 << 32 | index; 0 empty): a dictionary lookup
    /// per sighting hashed with SipHash (measured: a few per cent of a three-point pass).
    private var hopCache = [UInt64](repeating: 0, count: 256)
    private(set) var losses: [LossKey: Loss] = [:]
    private(set) var untrackedHops = 0
    private(set) var unrowedLosses = 0
    private(set) var notCapturing = 0
    private var flows = FlowPaths()
    /// Per point, the earliest and latest times it saw a packet (nanoseconds): when it was
    /// capturing.
    private var firstSeenAt: [Int64] = []
    private var lastSeenAt: [Int64] = []
    /// Per point, whether some hop leaves it: a packet last seen at a point no hop leaves is
    /// at the end of every path known (no lookup).
    private var leaves: [Bool] = []

    /// Every IP sighting at `point` (multi-point mode).
    /// The first sighting's time (nanoseconds): when pods are resolved for points.
    private(set) var firstSeen: Int64 = .max

    @inline(__always)
    mutating func saw(point: Int, at now: Int64) {
        if now < firstSeen { firstSeen = now }
        if point >= lastSeenAt.count {
            lastSeenAt += Array(repeating: .min, count: point + 1 - lastSeenAt.count)
            firstSeenAt += Array(repeating: .max, count: point + 1 - firstSeenAt.count)
        }
        if now > lastSeenAt[point] { lastSeenAt[point] = now }
        if now < firstSeenAt[point] { firstSeenAt[point] = now }
    }

    /// Packet `s` (as it was last sighted) seen again at `point` at `now`.
    mutating func hop(_ s: SightingTable.Slot, to point: Int, now: Int64) {
        let from = Int(s.lastPoint)
        guard from != point, point < 1 << 16 else { return }
        let key = UInt32(truncatingIfNeeded: from) << 16 | UInt32(truncatingIfNeeded: point)
        guard let index = hopNumber(key, adding: true) else {
            untrackedHops += 1
            return
        }
        hops[index].packets += 1
        if from >= leaves.count { leaves += Array(repeating: false, count: from + 1 - leaves.count) }
        leaves[from] = true
        let (delay, overflow) = now.subtractingReportingOverflow(s.lastSeen)
        hops[index].delays.record(overflow ? (now < s.lastSeen ? .min : .max) : delay)
        let (flow, fromLow) = Self.flow(s)
        flows.learn(flow, fromLow: fromLow, from: from, to: point)
    }

    /// A packet leaves the matching window (or the capture ends): lost after its latest point?
    mutating func expire(_ s: SightingTable.Slot) {
        let from = Int(s.lastPoint)
        guard from < leaves.count, leaves[from] else { return }  // no hop leaves its point
        let (flow, fromLow) = Self.flow(s)
        guard let (next, clientLow) = flows.next(after: from, flow, fromLow: fromLow),
            s.points & SightingTable.Slot.bit(next) == 0
        else { return }
        // `next` was capturing then: it saw packets before and after this one (a capture
        // that started later or stopped earlier cannot tell).
        guard next < lastSeenAt.count, lastSeenAt[next] > s.lastSeen, firstSeenAt[next] < s.lastSeen else {
            notCapturing += 1
            return
        }
        if let h = hopNumber(UInt32(truncatingIfNeeded: from) << 16 | UInt32(truncatingIfNeeded: next), adding: false) {
            hops[h].lost += 1
        }
        let key = LossKey(
            flow: flow, fromLow: fromLow, from: UInt16(truncatingIfNeeded: from),
            to: UInt16(truncatingIfNeeded: next))
        if losses[key] != nil {
            losses[key]?.packets += 1
        } else if losses.count < Self.maximumLossRows {
            losses[key] = Loss(packets: 1, first: s.lastSeen, clientLow: clientLow)
        } else {
            unrowedLosses += 1
        }
    }

    /// The hop's place in `hops`, made when `adding` and within the bound.
    @inline(__always)
    private mutating func hopNumber(_ key: UInt32, adding: Bool) -> Int? {
        let c = Int(truncatingIfNeeded: (UInt64(key) &* 0x9E37_79B9_7F4A_7C15) >> 56)
        let cached = hopCache[c]
        if cached != 0 && UInt32(truncatingIfNeeded: cached >> 32) == key &+ 1 { return Int(cached & 0xFFFF_FFFF) }
        let index: Int
        if let known = hopIndex[key] {
            index = known
        } else if adding && hops.count < Self.maximumHops {
            index = hops.count
            hops.append(Hop(from: Int(key >> 16), to: Int(key & 0xFFFF)))
            hopIndex[key] = index
        } else {
            return nil
        }
        hopCache[c] = UInt64(key &+ 1) << 32 | UInt64(index)
        return index
    }

    /// Whether packets of the frame's direction are known to pass `point`.
    func passes(_ point: Int, _ frame: borrowing DecodedFrame) -> Bool {
        guard !flows.isEmpty else { return false }
        let (key, fromLow) = FlowKey.of(frame)
        return flows.passes(point, key, fromLow: fromLow)
    }

    private static func flow(_ s: SightingTable.Slot) -> (FlowKey, Bool) {
        FlowKey.between(s.source, s.sourcePort, s.destination, s.destinationPort, ipProtocol: s.ipProtocol)
    }
}

/// What a `SightingTable` hands the packets that leave it.
protocol SightingExpiry {
    mutating func expire(_ s: SightingTable.Slot)
}

/// Packets leaving the table go nowhere (while it grows: none leaves).
struct NoExpiry: SightingExpiry {
    mutating func expire(_ s: SightingTable.Slot) {}
}
