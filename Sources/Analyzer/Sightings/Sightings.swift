import CaptureFormats
import Dissectors

/// The sightings stage, between the frame decoder and the flows: which records are the same
/// IP packet seen again (at another observation point, or copied by the capture at the same
/// one), so that every analysis sees each packet once. docs/sightings.md states the rules;
/// in short:
/// - A packet is analysed as seen at its flow's point (`FlowPoints`: where the flow's first
///   packet was seen). A packet first seen elsewhere is held (`HeldSightings`) until it is
///   seen there; never seen there within the hold time, it is analysed as first seen. Its
///   other sightings within `window` are extra sightings: counted, not analysed. With one
///   point, a packet is analysed at its first sighting.
/// - A copy at a point that already saw the packet with a lower TTL is the packet forwarded
///   past that point again (routed in and out of a bridge): an extra sighting. With the same
///   TTL and endpoints within `duplicateWindow` of its latest sighting, a capture duplicate;
///   later, or with a higher TTL, a resend (no resend comes sooner than a round trip, and TTL
///   only falls along a path): a packet of its own, so a real retransmission stays one.
/// - A sighting whose addresses differ from the first's on one side is a NAT view (DNAT to a
///   Service backend, SNAT to the node): the flow in that view is joined to the first's
///   (`NATViews`), and its packets are analysed with the first view's endpoints.
struct Sightings {
    /// Copies at different points further apart than this are not matched (nanoseconds).
    static let window: Int64 = 500_000_000
    /// Copies at the same point closer than this are capture duplicates (nanoseconds).
    static let duplicateWindow: Int64 = 50_000

    /// `held`: the record was copied, to be analysed later (`held.due`) or never (seen at its
    /// flow's point meanwhile).
    enum Verdict { case analyse, extra, duplicate, held }

    var points: ObservationPoints
    private var table = SightingTable(generationLength: Sightings.window / 2)
    /// While there is one point (`multiPoint` false): its copies.
    private var copies = OnePointCopies()
    var nat = NATViews()
    /// Clock offsets between nodes, from packets seen on two (`NodeClocks`), on the times as
    /// read: after `clockShifts`.
    private(set) var clocks = NodeClocks()
    /// Per node name, the nanoseconds its records' times were shifted by before the pass
    /// (`ClockPrescan`; absent: none).
    var clockShifts: [String: Int64] = [:]
    /// Hops between points and packets lost between them (`PathTracker`).
    private(set) var path = PathTracker()
    /// The address each point's packets share (a pod's veth: the pod's; `PointAddresses`).
    private(set) var addresses = PointAddresses()
    var held = HeldSightings()
    /// Made when a second point appears (`multiPoint`; the optional itself is not tested per
    /// packet: that copied it).
    private var flowPoints: FlowPoints?
    /// TCP byte ranges first seen at each point (`SegmentRanges`), once a second point appears.
    private var ranges = SegmentRanges()
    private var multiPoint = false
    private(set) var distinct = 0
    private(set) var extra = 0
    private(set) var duplicates = 0

    init(paths: [String], samePoint: Bool = false, origins: [CaptureOrigin] = []) {
        points = ObservationPoints(paths: paths, samePoint: samePoint, origins: origins)
    }

    /// Node `n`'s clock minus the first node's and the error bound (seconds): what the pass
    /// measured (`clocks`) plus the shifts applied before it; nil when the pass saw no packet
    /// go both ways between the two.
    func clockOffset(ofNode n: Int) -> (offset: Double, error: Double)? {
        guard let measured = clocks.offset(ofNode: n), n < points.nodeNames.count else { return nil }
        let shift = (clockShifts[points.nodeNames[n]] ?? 0) - (clockShifts[points.nodeNames[0]] ?? 0)
        return (measured.offset + Double(shift) / 1e9, measured.error)
    }

    /// Records past the table's bound: copies further apart than the window allowed then.
    var shortenedGenerations: Int { table.shortenedGenerations }
    var unplaced: Int { table.unplaced }

    /// Packets may be held (`held`): only once a second point has appeared.
    var holding: Bool { multiPoint }

    /// `see` while there is one point (the common case, kept small to be inlined): only the
    /// capture's own copies.
    @inline(__always)
    mutating func seeAtOnePoint(addresses: UInt64, fields: UInt64, payload: ByteSlice, now: Int64) -> Verdict {
        let key = OnePointCopies.key(addresses: addresses, fields: fields, payload: payload)
        if copies.isCopy(key: key, now: now) {
            duplicates += 1
            return .duplicate
        }
        distinct += 1
        return .analyse
    }

    /// One IP frame seen at `point` at `now` (nanoseconds): whether the analyses get it. An
    /// analysed frame in a NAT view already joined is given the first view's endpoints.
    @inline(__always)
    mutating func see(
        _ frame: inout DecodedFrame, _ record: PacketRecord, input: Int, point: Int, now: Int64,
        frameNumber: Int
    ) -> Verdict {
        if point == 0 && !multiPoint {
            // Scalars, not the frame: a borrowed frame was copied into the call (measured).
            let fragment = frame.fragment.map { UInt64($0.offset) << 1 | ($0.more ? 1 : 0) } ?? 0
            let fields = UInt64(frame.ipTTL) << 56 | UInt64(frame.ipIdentification) << 40 | fragment
            let source = frame.source, destination = frame.destination
            let addresses = source.low ^ destination.low << 7 ^ source.high ^ destination.high << 13
            return seeAtOnePoint(addresses: addresses, fields: fields, payload: frame.ipPayload, now: now)
        }
        return seeAtPoints(&frame, record, input: input, point: point, now: now, frameNumber: frameNumber)
    }

    /// From the first packet on, the inputs may hold several points (several files, a file
    /// of several interfaces): every packet is then entered in the table, so that its
    /// sightings at points that appear later still match it.
    mutating func expectSeveralPoints() {
        guard !multiPoint, !points.samePoint else { return }  // `--same-point`: one point, always
        multiPoint = true
        flowPoints = FlowPoints()
        ranges.allocate()
    }

    /// `see` once a second point has appeared (or may: `expectSeveralPoints`).
    @inline(never)
    mutating func seeAtPoints(
        _ frame: inout DecodedFrame, _ record: PacketRecord, input: Int, point: Int, now: Int64,
        frameNumber: Int
    ) -> Verdict {
        expectSeveralPoints()
        let identity = SightingKey.identity(frame)
        table.advance(to: now, &path)
        path.saw(point: point, at: now)
        addresses.saw(point: point, source: frame.source, destination: frame.destination)
        let bit = SightingTable.Slot.bit(point)
        if !nat.isEmpty { nat.rewrite(&frame) }  // a joined view compares as the first
        var seen: SightingTable.Slot?
        var index = -1, previousIndex = -1
        switch table.find(identity) {
        case .current(let i): seen = table.slot(i); index = i
        case .previous(let i, let s): seen = s; previousIndex = i
        case .absent: break
        }
        if var s = seen, let verdict = Self.judge(frame, s, here: s.points & bit != 0, now: now) {
            if verdict == .duplicate { duplicates += 1 } else { extra += 1 }
            if verdict == .extra && !Self.sameEndpoints(frame, s) { nat.learn(frame, analysedAs: s) }
            if verdict == .extra && point != Int(s.lastPoint) {
                // A hop read against the packet's way (a node's clock ahead) is not a hop.
                if !clock(&s, point: point, now: now, ttl: frame.ipTTL) { path.hop(s, to: point, now: now) }
            }
            if previousIndex >= 0 { table.forget(previousIndex: previousIndex) }  // moves to the current generation
            s.points |= bit
            s.lastSeen = now
            s.ttl = frame.ipTTL
            s.lastPoint = UInt16(truncatingIfNeeded: point)
            if s.ticket != 0 && verdict == .extra && point == Int(s.flowPoint) {
                // Seen at last at its flow's point: this sighting is analysed, the copy held
                // from the first is dropped (that one counts as the extra sighting now).
                held.cancel(s.ticket)
                s.ticket = 0
                store(s, index, now)
                if !nat.isEmpty { nat.rewrite(&frame) }
                return .analyse
            }
            store(s, index, now)
            return verdict
        }
        // TCP bytes the identity did not match may be the same bytes cut differently
        // (`SegmentRanges`): a sighting of them, or, at their flow's point, the cut analysed.
        var cutHere = false
        if frame.hasTCPHeader && frame.payload.count > 0 {
            switch seeBytes(SegmentRanges.Segment(frame), identity: identity, point: point, now: now) {
            case .new: break
            case .cutHere: cutHere = true
            case .sighting: return .extra
            }
        }
        distinct += 1
        var s = SightingTable.Slot()
        s.identity = identity
        s.lastSeen = now
        s.points = bit
        s.ipProtocol = frame.ipProtocol
        s.ttl = frame.ipTTL
        s.runStart = now
        s.runStartTTL = frame.ipTTL
        s.lastPoint = UInt16(truncatingIfNeeded: point)
        s.source = frame.source
        s.destination = frame.destination
        s.sourcePort = frame.hasPorts ? frame.sourcePort : 0
        s.destinationPort = frame.hasPorts ? frame.destinationPort : 0
        if multiPoint, !cutHere, case let flowPoint = flowPoints!.point(of: frame, seenAt: point), flowPoint != point {
            s.ticket = held.hold(record, input: input, point: point, frameNumber: frameNumber, time: now)
            s.flowPoint = UInt16(truncatingIfNeeded: flowPoint)
            table.insert(s, now: now, &path)
            return .held
        }
        table.insert(s, now: now, &path)
        return .analyse
    }

    enum BytesSeen { case new, cutHere, sighting }

    /// A TCP segment new by identity: new bytes (entered in `ranges`), a sighting of bytes
    /// other points' segments held (counted extra), or, at its flow's point, the cut analysed
    /// there (`takeOver`). Apart from `seeAtPoints`, which stays small enough to keep its own
    /// calls inlined.
    @inline(never)
    private mutating func seeBytes(
        _ segment: SegmentRanges.Segment, identity: UInt64, point: Int, now: Int64
    )
        -> BytesSeen
    {
        let cover = ranges.check(segment, identity: identity, point: point, now: now, window: Self.window)
        if cover.isEmpty { return .new }
        if takeOver(cover, point: point, flowPoint: flowPoints?.point(ofTCP: segment), now: now) { return .cutHere }
        extra += 1
        return .sighting
    }

    /// A TCP segment whose bytes other points' segments held (`covering`'s identities): at its
    /// flow's point it is analysed (true) when those were held for this point, whose copies are
    /// then dropped and count as extra sightings, or were dropped so before for this point's
    /// cut; anywhere else, or when they were analysed already, it is an extra sighting (false).
    @inline(never)
    private mutating func takeOver(_ covering: [UInt64], point: Int, flowPoint: Int?, now: Int64) -> Bool {
        guard flowPoint == point else { return false }
        let bit = SightingTable.Slot.bit(point)
        var analyse = false
        for identity in covering {
            var s: SightingTable.Slot, index = -1, previousIndex = -1
            switch table.find(identity) {
            case .current(let i): (s, index) = (table.slot(i), i)
            case .previous(let i, let slot): (s, previousIndex) = (slot, i)
            case .absent: continue
            }
            if s.ticket != 0 {
                held.cancel(s.ticket)
                s.ticket = 0
                s.points |= bit
                if previousIndex >= 0 { table.forget(previousIndex: previousIndex) }
                store(s, index, now)
                distinct -= 1
                extra += 1
                analyse = true
            } else if s.points & bit != 0 {
                analyse = true
            }
        }
        return analyse
    }

    @inline(never)
    private mutating func store(_ s: SightingTable.Slot, _ index: Int, _ now: Int64) {
        if index >= 0 { table.update(index) { $0 = s } } else { table.insert(s, now: now, &path) }
    }

    /// Points whose capture reported dropping packets (pcapng interface statistics): a packet
    /// not seen there may have been dropped by the capture, not the path.
    private(set) var droppingPoints: Set<Int> = []

    /// Each input's interfaces' statistics, in the order of their interface blocks.
    mutating func noteCaptureDrops(_ statistics: [[InterfaceStatistics?]]) {
        for (input, interfaces) in statistics.enumerated() {
            for (i, stats) in interfaces.enumerated() {
                guard let dropped = stats?.dropped, dropped > 0,
                    let p = points.find(input: input, interface: i, linkInterface: -1)
                else { continue }
                droppingPoints.insert(p)
            }
        }
    }

    /// Whether a held packet, due and never seen at its flow's point, is left out: when its
    /// direction's packets pass that point, it was lost before it (`path` counts it), and the
    /// analyses see the flow as its point saw it (a single capture there would not have the
    /// packet either; analysed late, it would pass for a retransmission of its own resend).
    mutating func leavesOut(held frame: borrowing DecodedFrame) -> Bool {
        guard let flowPoint = flowPoints?.point(of: frame), path.passes(flowPoint, frame) else { return false }
        distinct -= 1
        return true
    }

    /// At the end of the inputs: the packets still in the window are judged for loss.
    mutating func finishPath() {
        guard multiPoint else { return }
        let live = table
        live.forEachLive { path.expire($0) }
    }

    /// A packet seen again at another point: if that point is on another node, a sample of
    /// the two nodes' clocks (`NodeClocks`), and the start of its run on the new node. Which
    /// way it went is told by TTL, which only falls along a path: below the TTL it had on
    /// arriving at the earlier node, it went on from there (the sample: its latest sighting
    /// there to this one); above the TTL it left with, it came from here first (read later:
    /// this node's clock is ahead), and the sample is this sighting to its first on the
    /// earlier node. Neither (one TTL throughout): no sample. True when the sightings were
    /// read against the packet's way.
    @inline(never)
    private mutating func clock(_ s: inout SightingTable.Slot, point: Int, now: Int64, ttl: UInt8) -> Bool {
        let of = points.nodeOfPoint
        let earlier = Int(s.lastPoint)
        guard point < of.count, earlier < of.count, of[point] != of[earlier] else { return false }
        var reversed = false
        if ttl < s.runStartTTL && ttl <= s.ttl {
            clocks.observe(sender: of[earlier], sent: s.lastSeen, receiver: of[point], received: now)
        } else if ttl > s.ttl {
            clocks.observe(sender: of[point], sent: now, receiver: of[earlier], received: s.runStart)
            reversed = true
        }
        s.runStart = now
        s.runStartTTL = ttl
        return reversed
    }

    /// A frame whose identity matches a packet seen before: its copy (`.duplicate`), another
    /// sighting of it (`.extra`), or nil: a packet of its own (a resend, or another packet
    /// with the same identity).
    @inline(__always)
    static func judge(_ frame: borrowing DecodedFrame, _ s: SightingTable.Slot, here: Bool, now: Int64) -> Verdict? {
        let sameEnds = sameEndpoints(frame, s)
        // One endpoint rewritten (NAT, in a view not joined yet) is believed only of
        // identities a resend or another flow would not share: TCP (sequence and
        // acknowledgment numbers) or a nonzero IPv4 ID. Replies from unconnected UDP sockets
        // (ID 0) that differ only in the client would otherwise pass for NAT views of each
        // other; they match once their flow's view is joined (`NATViews.rewrite` first).
        let tcp = frame.hasTCPHeader, id = frame.ipIdentification
        let strong = tcp || id != 0
        let oneSide = oneSideSame(frame, s)
        guard sameEnds || (oneSide && strong) else { return nil }
        guard here else { return .extra }
        // At a point that saw it. TTL only falls along a path: lower, the packet forwarded
        // past this point again (routed in and out of a bridge); higher, sent again.
        let ttl = frame.ipTTL
        if ttl < s.ttl { return .extra }
        if ttl > s.ttl { return nil }
        guard apart(now, s.lastSeen) < duplicateWindow else { return nil }  // later than a round trip: a resend
        // Same TTL, same point, other endpoints: another packet (two clients' identical
        // queries), not a view of this one.
        return sameEnds ? .duplicate : nil
    }

    /// How far apart two times are (nanoseconds; never traps, whatever the timestamps).
    @inline(__always)
    static func apart(_ a: Int64, _ b: Int64) -> Int64 {
        let d = a > b ? UInt64(bitPattern: a &- b) : UInt64(bitPattern: b &- a)
        return d > UInt64(Int64.max) ? .max : Int64(d)
    }

    @inline(__always)
    static func sameEndpoints(_ frame: borrowing DecodedFrame, _ s: SightingTable.Slot) -> Bool {
        let sp = frame.hasPorts ? frame.sourcePort : 0, dp = frame.hasPorts ? frame.destinationPort : 0
        let sameSource = frame.source == s.source && sp == s.sourcePort
        let sameDestination = frame.destination == s.destination && dp == s.destinationPort
        return sameSource && sameDestination
    }

    /// The same packet keeps at least one endpoint through NAT.
    @inline(__always)
    static func oneSideSame(_ frame: borrowing DecodedFrame, _ s: SightingTable.Slot) -> Bool {
        let sp = frame.hasPorts ? frame.sourcePort : 0, dp = frame.hasPorts ? frame.destinationPort : 0
        let sameSource = frame.source == s.source && sp == s.sourcePort
        let sameDestination = frame.destination == s.destination && dp == s.destinationPort
        return sameSource || sameDestination
    }
}
