@testable import Analyzer
import CaptureFormats
import Testing

/// `ClockPrescan`: a node's offset from the medians of the packets both nodes saw, each way
/// told by TTL; too few samples, one TTL throughout, or collisions far off do not make one.
/// On recordings: `PathTests.clockOffsetIsTheShift` (80 ms and 3.5 s).
struct ClockPrescanTests {
    typealias Seen = ClockPrescan.Seen

    /// `n` packets each way between a (node 0) and b, whose clock is `offset` ahead, the wire
    /// taking `delay`; a's packets leave with TTL 64 and reach b with 63, and back.
    static func tables(
        n: Int, offset: Int64, delay: Int64, ttls: (UInt8, UInt8) = (64, 63)
    ) -> (
        [UInt64: Seen], [UInt64: Seen]
    ) {
        var a: [UInt64: Seen] = [:], b: [UInt64: Seen] = [:]
        for i in 0..<n {
            let t = Int64(i) * 1_000_000
            // a → b: sent at t on a's clock, received at t + delay (+ offset on b's clock).
            ClockPrescan.observe(&a, UInt64(2 * i + 1), time: t, ttl: ttls.0)
            ClockPrescan.observe(&b, UInt64(2 * i + 1), time: t + delay + offset, ttl: ttls.1)
            // b → a: sent at t on b's clock, received at t + delay on a's.
            ClockPrescan.observe(&b, UInt64(2 * i + 2), time: t + offset, ttl: ttls.0)
            ClockPrescan.observe(&a, UInt64(2 * i + 2), time: t + delay, ttl: ttls.1)
        }
        return (a, b)
    }

    @Test func offsetFromBothWays() throws {
        let (a, b) = Self.tables(n: 20, offset: 3_500_000_000, delay: 20_000_000)
        let o = try #require(ClockPrescan.offset(a, b))
        #expect(o.offset == 3_500_000_000 && o.readsAhead)
        // Smaller than the delay: left to the pass.
        let (c, d) = Self.tables(n: 20, offset: 5_000_000, delay: 20_000_000)
        let small = try #require(ClockPrescan.offset(c, d))
        #expect(small.offset == 5_000_000 && !small.readsAhead)
        // Behind: negative.
        let (e, f) = Self.tables(n: 20, offset: -80_000_000, delay: 20_000_000)
        #expect(ClockPrescan.offset(e, f)?.offset == -80_000_000 && ClockPrescan.offset(e, f)?.readsAhead == true)
    }

    @Test func noEstimateWithoutBothWays() {
        let (a, b) = Self.tables(n: ClockPrescan.minimumSamples - 1, offset: 1_000_000_000, delay: 1_000)
        #expect(ClockPrescan.offset(a, b) == nil)
        // One TTL throughout (a bridged wire, no routing): no way told.
        let (c, d) = Self.tables(n: 20, offset: 1_000_000_000, delay: 1_000, ttls: (64, 64))
        #expect(ClockPrescan.offset(c, d) == nil)
    }

    @Test func collisionsFarOffDoNotMoveIt() throws {
        var (a, b) = Self.tables(n: 21, offset: 2_000_000_000, delay: 10_000_000)
        // Four identities both saw hours apart (a repeated packet): outliers both ways.
        for k in UInt64(1_000)..<1_004 {
            ClockPrescan.observe(&a, k, time: 0, ttl: k % 2 == 0 ? 64 : 63)
            ClockPrescan.observe(&b, k, time: 7_200_000_000_000, ttl: k % 2 == 0 ? 63 : 64)
        }
        let o = try #require(ClockPrescan.offset(a, b))
        #expect(abs(o.offset - 2_000_000_000) <= 10_000_000, "\(o.offset)")
    }

    @Test func oneNodeOrUnreadableShiftsNothing() {
        #expect(ClockPrescan.shifts(paths: ["a.pcap"], nodes: ["a"]) == [0])
        #expect(ClockPrescan.shifts(paths: ["a.pcap", "b.pcap"], nodes: ["a", "a"]) == [0, 0])
        #expect(ClockPrescan.shifts(paths: ["/nonexistent/a.pcap", "/nonexistent/b.pcap"], nodes: ["a", "b"]) == [0, 0])
    }

    /// The shift `MergingReader` applies: across a second's boundary both ways.
    @Test func timestampsMoveByNanoseconds() {
        let t = Timestamp(seconds: 100, nanoseconds: 900_000_000)
        #expect(t.adding(nanoseconds: 200_000_000) == Timestamp(seconds: 101, nanoseconds: 100_000_000))
        #expect(t.adding(nanoseconds: -3_950_000_000) == Timestamp(seconds: 96, nanoseconds: 950_000_000))
        #expect(t.adding(nanoseconds: -900_000_000) == Timestamp(seconds: 100, nanoseconds: 0))
        #expect(t.adding(nanoseconds: 0) == t)
    }
}
