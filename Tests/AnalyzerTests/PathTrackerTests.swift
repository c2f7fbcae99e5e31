@testable import Analyzer
import Dissectors
import Reports
import Testing

/// The path stage's parts (`PathTracker`, `FlowPaths`, `SignedDelays`): the loss rule, and
/// every table driven past its bound (docs/sightings.md "The path"). The recorded truth is
/// `PathTests`'.
struct PathTrackerTests {
    /// A packet of flow `n` (10.1.x.y:40000 -> 10.2.0.1:80) last seen at `point` at `time`.
    static func slot(flow n: Int, point: Int, time: Int64, points: [Int]? = nil) -> SightingTable.Slot {
        var s = SightingTable.Slot()
        s.identity = UInt64(n + 1) &* 0x9E37_79B9_7F4A_7C15 | 1
        s.source = IPAddress(v4: 0x0A01_0000 | UInt32(truncatingIfNeeded: n))
        s.destination = IPAddress(v4: 0x0A02_0001)
        s.sourcePort = 40000
        s.destinationPort = 80
        s.ipProtocol = IPProtocol.tcp
        s.lastPoint = UInt16(point)
        s.lastSeen = time
        s.points = (points ?? [point]).reduce(0) { $0 | SightingTable.Slot.bit($1) }
        return s
    }

    /// Lost only when the flow is known to go on to the next point, the packet was not seen
    /// there, and that point saw something later; otherwise not counted (or `notCapturing`).
    @Test func theLossRule() {
        var p = PathTracker()
        p.expire(Self.slot(flow: 1, point: 0, time: 0))
        #expect(p.losses.isEmpty, "no path known yet")
        p.saw(point: 0, at: 0)
        p.hop(Self.slot(flow: 1, point: 0, time: 0), to: 1, now: 1_000)
        p.saw(point: 1, at: 1_000)
        p.expire(Self.slot(flow: 1, point: 0, time: 500))
        #expect(p.losses.isEmpty && p.notCapturing == 1, "point 1 saw nothing before: it was not capturing yet")
        p.expire(Self.slot(flow: 1, point: 0, time: 2_000))
        #expect(p.losses.isEmpty && p.notCapturing == 2, "point 1 saw nothing later: it cannot tell")
        p.saw(point: 1, at: 5_000)
        p.expire(Self.slot(flow: 1, point: 1, time: 3_000, points: [0, 1]))
        #expect(p.losses.isEmpty, "reached the last point it is known to reach")
        p.expire(Self.slot(flow: 2, point: 0, time: 3_000))
        #expect(p.losses.isEmpty, "another flow: its path is not known")
        p.expire(Self.slot(flow: 1, point: 0, time: 3_000))
        #expect(p.losses.values.map(\.packets) == [1] && p.hops.first?.lost == 1)
        let loss = p.losses.keys.first
        #expect(loss?.from == 0 && loss?.to == 1 && p.losses.values.first?.clientLow == true)
    }

    @Test func hopsPastTheirBound() {
        var p = PathTracker()
        for i in 0..<PathTracker.maximumHops + 5 {
            p.hop(Self.slot(flow: 0, point: i, time: 0), to: i + 1, now: 10)
        }
        #expect(p.hops.count == PathTracker.maximumHops && p.untrackedHops == 5)
    }

    @Test func lossRowsPastTheirBound() {
        var p = PathTracker()
        let flows = PathTracker.maximumLossRows + 500
        for n in 0..<flows { p.hop(Self.slot(flow: n, point: 0, time: 0), to: 1, now: 10) }
        p.saw(point: 1, at: 0)
        p.saw(point: 1, at: 1_000_000)
        for n in 0..<flows { p.expire(Self.slot(flow: n, point: 0, time: 100)) }
        // Flows on a taken FlowPaths slot lost their path (below); the rest are rows, then counted.
        let located = p.losses.count + p.unrowedLosses
        #expect(p.losses.count == PathTracker.maximumLossRows && p.unrowedLosses > 0)
        #expect(p.hops.first?.lost == located)
    }

    /// Direct-mapped: more conversations than slots, and the later takes a shared slot; the
    /// earlier's path is then unknown (its losses not located: never invented).
    @Test func flowPathsTakeSlotsOverOneAnother() {
        var paths = FlowPaths()
        let n = FlowPaths.slots + FlowPaths.slots / 2
        func key(_ i: Int) -> FlowKey {
            FlowKey.between(IPAddress(v4: 0x0A00_0000 | UInt32(i)), 40000, IPAddress(v4: 0x0B00_0001), 80, ipProtocol: 6).key
        }
        for i in 0..<n { paths.learn(key(i), fromLow: true, from: 0, to: 1) }
        let known = (0..<n).filter { paths.next(after: 0, key($0), fromLow: true) != nil }.count
        #expect(known <= FlowPaths.slots && known > FlowPaths.slots / 2)
        #expect(paths.next(after: 0, key(n - 1), fromLow: true)?.point == 1, "the latest holds its slot")
        #expect(paths.next(after: 0, key(n - 1), fromLow: false) == nil, "the other direction is its own")
        // A direction keeps `hopsPerDirection` hops, the first seen.
        for h in 0..<FlowPaths.hopsPerDirection + 2 { paths.learn(key(n - 1), fromLow: true, from: h + 10, to: h + 11) }
        #expect(paths.passes(10 + FlowPaths.hopsPerDirection - 2, key(n - 1), fromLow: true))
        #expect(!paths.passes(10 + FlowPaths.hopsPerDirection + 1, key(n - 1), fromLow: true))
    }

    /// Percentiles of delays of either sign, shifted by a clock offset at the end.
    @Test func signedDelays() {
        var d = SignedDelays()
        for v in [-3_000_000, -1_000_000, 1_000_000, 2_000_000, 5_000_000] as [Int64] { d.record(v) }
        let raw = d.percentiles(minus: 0)
        #expect(raw.count == 5)
        #expect(abs((raw.p50 ?? 0) - 0.001) < 0.00002)
        #expect(abs((raw.max ?? 0) - 0.005) < 1e-9)
        let shifted = d.percentiles(minus: -3_000_000)  // the later clock 3 ms behind
        #expect(abs((shifted.p50 ?? 0) - 0.004) < 0.00005)
        var negative = SignedDelays()
        for v in [-3_000_000, -2_000_000, -1_000_000] as [Int64] { negative.record(v) }
        let n = negative.percentiles(minus: 0)
        #expect(abs((n.p50 ?? 0) + 0.002) < 0.00003 && abs((n.p99 ?? 0) + 0.001) < 0.00002 && abs((n.max ?? 0) + 0.001) < 1e-9)
    }

    /// Past `addressesPerPoint` a point's later addresses are not tallied, past `maximumPoints`
    /// a point is not; the dominant address is still found, and pods are given one per point.
    @Test func pointAddressesPastTheirBounds() {
        var t = PointAddresses()
        let pod = IPAddress(v4: 0x0A00_0001)
        for i in 0..<4_000 {
            t.saw(point: 0, source: pod, destination: IPAddress(v4: 0x0B00_0000 | UInt32(i % 40)))
            t.saw(point: PointAddresses.maximumPoints + 1, source: pod, destination: pod)
        }
        #expect(t.dominant(0) == [pod], "the pod's address is at one end of every packet")
        #expect(t.dominant(PointAddresses.maximumPoints + 1).isEmpty, "past the points bound: not tallied")
        let names = t.pods(points: 2) { $0 == pod ? "ns/pod" : nil }
        #expect(names == ["ns/pod", nil])
    }
}
