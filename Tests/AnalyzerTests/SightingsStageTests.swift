@testable import Analyzer
import CaptureFormats
import Dissectors
import Foundation
import Testing
import _TestSupport

/// The sightings stage's parts: what the identity keeps and leaves out, the verdicts, and
/// every table driven past its bound (docs/sightings.md).
struct SightingsStageTests {
    static func decode(_ bytes: [UInt8]) -> DecodedFrame {
        bytes.withUnsafeBytes { FrameDecoder.decode(linkType: 1, bytes: $0, originalLength: bytes.count) }
    }

    /// A TCP segment from 10.0.0.1:40000 to 10.0.0.2:80 (timestamps option), with what may vary.
    static func segment(
        src: [UInt8] = [10, 0, 0, 1], dst: [UInt8] = [10, 0, 0, 2], sport: UInt16 = 40000,
        dport: UInt16 = 80, ttl: UInt8 = 64, id: UInt16 = 7, tsval: UInt32 = 100
    ) -> [UInt8] {
        let options: [UInt8] = [1, 1, 8, 10] + Frames.be32(tsval) + Frames.be32(55)
        var ip = Frames.ipv4(
            src: src, dst: dst, proto: 6,
            Frames.tcp(
                sport: sport, dport: dport, seq: 5000, ack: 9000, flags: 0x18, options: options,
                Array(repeating: 0x41, count: 100)), id: id)
        ip[8] = ttl
        ip[10] = 0x12  // a checksum of this hop
        return Frames.ethernet(type: 0x0800, ip)
    }

    @Test func identityLeavesOutWhatForwardingAndNATChange() {
        let base = SightingKey.identity(Self.decode(Self.segment()))
        #expect(SightingKey.identity(Self.decode(Self.segment(ttl: 63))) == base, "TTL")
        #expect(SightingKey.identity(Self.decode(Self.segment(dst: [10, 96, 0, 10], dport: 443))) == base, "DNAT")
        #expect(SightingKey.identity(Self.decode(Self.segment(src: [192, 168, 1, 5], sport: 61000))) == base, "SNAT")
    }

    @Test func identityKeepsWhatAResendChanges() {
        let base = SightingKey.identity(Self.decode(Self.segment()))
        #expect(SightingKey.identity(Self.decode(Self.segment(id: 8))) != base, "IPv4 ID")
        #expect(SightingKey.identity(Self.decode(Self.segment(tsval: 101))) != base, "TCP timestamp")
    }

    /// Verdicts at one point and at two, through `Sightings.see`.
    @Test func verdicts() {
        var s = Sightings(paths: ["node.pcapng"])
        s.expectSeveralPoints()
        let bytes = Self.segment()
        func see(_ b: [UInt8], point: Int, at t: Int64) -> Sightings.Verdict {
            var f = Self.decode(b)
            return b.withUnsafeBytes { raw in
                let r = PacketRecord(
                    timestamp: nil, originalLength: b.count, linkType: .ethernet, interface: point,
                    offset: 0, data: raw)
                return s.see(&f, r, input: 0, point: point, now: t, frameNumber: 1)
            }
        }
        #expect(see(bytes, point: 0, at: 1_000_000) == .analyse)
        #expect(see(bytes, point: 0, at: 1_010_000) == .duplicate, "same point, same bytes, 10 µs later")
        #expect(see(Self.segment(ttl: 63), point: 0, at: 1_020_000) == .extra, "forwarded past the same point")
        #expect(see(bytes, point: 1, at: 1_030_000) == .extra, "another point")
        #expect(see(bytes, point: 0, at: 300_000_000) == .analyse, "later at the same point: a resend")
        #expect(see(Self.segment(dst: [10, 96, 0, 10]), point: 1, at: 300_010_000) == .extra, "a NAT view")
        #expect(s.nat.joined == 1)
        #expect(s.duplicates == 1 && s.extra == 3 && s.distinct == 2)
    }

    @Test func sightingTablePastItsBound() {
        var t = SightingTable(generationLength: .max)
        var none = NoExpiry()
        for i in 1...SightingTable.maximumSlots {
            var slot = SightingTable.Slot()
            slot.identity = UInt64(i) &* 0x9E37_79B9_7F4A_7C15 | 1
            t.insert(slot, now: 0, &none)
        }
        #expect(t.shortenedGenerations >= 1, "a generation holds half the slots at most")
    }

    @Test func heldSightingsPastTheirBound() {
        var held = HeldSightings()
        let bytes = [UInt8](repeating: 1, count: 64)
        bytes.withUnsafeBytes { raw in
            let r = PacketRecord(timestamp: nil, originalLength: 64, linkType: .ethernet, interface: 0, offset: 0, data: raw)
            for i in 0...HeldSightings.maximumRecords { _ = held.hold(r, input: 0, point: 1, frameNumber: i, time: 0) }
        }
        #expect(held.releasedEarly == 1)
        #expect(held.due(at: 0) != nil, "the oldest is due at once")
        var rest = 0
        while held.due(at: .max) != nil { rest += 1 }
        #expect(rest == HeldSightings.maximumRecords)
    }

    @Test func natViewsPastTheirBound() {
        var nat = NATViews()
        var first = SightingTable.Slot()
        first.source = IPAddress(v4: 0x0A00_0001)
        first.destination = IPAddress(v4: 0x0A60_000A)
        first.destinationPort = 80
        for i in 0...NATViews.limit {
            let b = Frames.ethernet(
                type: 0x0800,
                Frames.ipv4(
                    src: [10, 0, 0, 1], dst: [10, 1, UInt8(i >> 8 & 0xFF), UInt8(i & 0xFF)],
                    proto: 6, Frames.tcp(sport: UInt16(1024 + i % 60000), dport: 8080, flags: 0x10)))
            var f = Self.decode(b)
            first.sourcePort = f.sourcePort
            nat.learn(f, analysedAs: first)
            f = Self.decode(b)
        }
        #expect(nat.joined == NATViews.limit)
        #expect(nat.unjoined == 1)
    }

    /// The flows' points table is direct-mapped: past its slots a flow takes a slot another
    /// holds (the table never grows), and that other flow is given a point again later.
    @Test func flowPointsTakeSlotsOverOneAnother() {
        var points = FlowPoints()
        var firstPoint: [Int] = []
        for i in 0..<3_000 {
            let f = Self.decode(Self.segment(src: [10, 2, UInt8(i >> 8), UInt8(i & 0xFF)]))
            firstPoint.append(points.point(of: f, seenAt: 1))
        }
        #expect(firstPoint.allSatisfy { $0 == 1 })
        var moved = 0
        for i in 0..<3_000 {
            let f = Self.decode(Self.segment(src: [10, 2, UInt8(i >> 8), UInt8(i & 0xFF)]))
            if points.point(of: f, seenAt: 2) == 2 { moved += 1 }
        }
        // 3,000 flows on 131,072 slots: a few dozen share a slot (birthday bound ~34).
        #expect(moved > 0 && moved < 200, "\(moved)")
    }

    @Test func nodeNamesDropRotation() {
        #expect(ObservationPoints.nodeName("/x/node-1.pcap0") == "node-1")
        #expect(ObservationPoints.nodeName("/x/node-1.pcap12.gz") == "node-1")
        #expect(ObservationPoints.nodeName("a/b/capture.pcapng.zst") == "capture")
        #expect(ObservationPoints.nodeName("trace") == "trace")
    }

    /// Clock samples: offset and error bound from both ways; one way only gives none; past
    /// `maximumPairs` node pairs the rest are counted, not kept. (Which way a packet went is
    /// `Sightings.clock`'s, by TTL: `SightingsTests.clockOffsetBetweenNodes`, `PathTests`.)
    @Test func nodeClocksAndTheirBound() {
        var c = NodeClocks()
        // Node 1 runs 1 ms ahead; 100 µs each way.
        c.observe(sender: 0, sent: 0, receiver: 1, received: 1_100_000)
        c.observe(sender: 1, sent: 5_900_000, receiver: 0, received: 5_000_000)
        let o = c.offset(ofNode: 1)
        #expect(o.map { abs($0.offset - 0.001) < 1e-9 && abs($0.error - 0.0001) < 1e-9 } == true)
        c.observe(sender: 0, sent: 0, receiver: 2, received: 10)
        #expect(c.offset(ofNode: 2) == nil, "one way only")
        var full = NodeClocks()
        for n in 1...NodeClocks.maximumPairs + 3 {
            full.observe(sender: 0, sent: 0, receiver: n, received: 10)
        }
        #expect(full.pairs.count == NodeClocks.maximumPairs && full.untracked == 3)
    }
}
