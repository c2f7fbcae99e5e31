import Analyzer
import Testing

/// The reassembler against a known byte stream cut into segments every way that matters.
struct StreamReassemblerTests {
    static let data: [UInt8] = (0..<5000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }

    struct Collector {
        var bytes: [UInt8] = []
        var chunks: [(offset: UInt64, count: Int, time: Int64, gap: UInt64)] = []
        mutating func take(_ c: ReassembledChunk) {
            bytes += c.bytes
            chunks.append((c.streamOffset, c.bytes.count, c.time, c.gapBefore))
        }
    }

    /// Feeds `pieces` (offset into `data`, length) after a SYN at `isn`; returns what came out.
    func run(
        _ pieces: [(Int, Int)], isn: UInt32 = 1000, budget: ReassemblyBudget = ReassemblyBudget(),
        acks: [Int: Int] = [:], finish: Bool = true
    ) -> (Collector, StreamReassembler, ReassemblyBudget) {
        var r = StreamReassembler()
        var budget = budget
        var out = Collector()
        r.segment(
            sequence: isn, syn: true, payload: UnsafeRawBufferPointer(start: nil, count: 0), time: 0,
            budget: &budget
        ) { out.take($0) }
        for (n, (offset, length)) in pieces.enumerated() {
            Self.data[offset..<offset + length].withUnsafeBytes { raw in
                r.segment(
                    sequence: isn &+ 1 &+ UInt32(offset), syn: false, payload: raw, time: Int64(n + 1),
                    budget: &budget
                ) { out.take($0) }
            }
            if let ack = acks[n] { r.acknowledged(isn &+ 1 &+ UInt32(ack), budget: &budget) { out.take($0) } }
        }
        if finish { r.finish(budget: &budget) { out.take($0) } }
        return (out, r, budget)
    }

    @Test func byteAtATime() {
        let (out, r, _) = run((0..<Self.data.count).map { ($0, 1) })
        #expect(out.bytes == Self.data)
        #expect(out.chunks.count == Self.data.count && r.gaps == 0 && r.overlapBytes == 0)
        #expect(out.chunks[41].offset == 41 && out.chunks[41].time == 42, "each chunk keeps its segment's time")
    }

    @Test(arguments: [UInt32(1000), 0xFFFF_FF00, 0xFFFF_FFFF])
    func reorderedSegmentsAcrossWraparound(isn: UInt32) {
        var pieces = stride(from: 0, to: Self.data.count, by: 500).map { ($0, 500) }
        pieces.swapAt(1, 3)
        pieces.swapAt(5, 9)
        let (out, r, budget) = run(pieces, isn: isn)
        #expect(out.bytes == Self.data)
        #expect(r.gaps == 0 && budget.held == 0)
    }

    /// Retransmissions and partial overlaps: the first copy of each byte wins, counted.
    @Test func overlapsFirstCopyWins() {
        let (out, r, _) = run([(0, 1000), (500, 1000), (0, 300), (1500, 500), (1800, 3200)])
        #expect(out.bytes == Self.data)
        #expect(r.overlapBytes == 500 + 300 + 200)
    }

    @Test func overlappingBufferedSegments() {
        let (out, r, _) = run([(1000, 1000), (1500, 1000), (0, 1000), (2500, 2500)])
        #expect(out.bytes == Self.data)
        #expect(r.overlapBytes == 500)
    }

    /// A hole the peer acknowledged is delivered as a gap at once, not waited for.
    @Test func acknowledgedHoleIsAGap() {
        let (out, r, _) = run([(0, 1000), (2000, 1000)], acks: [1: 3000], finish: false)
        #expect(out.bytes == Array(Self.data[0..<1000]) + Array(Self.data[2000..<3000]))
        #expect(r.gaps == 1 && r.gapBytes == 1000)
        #expect(out.chunks[1].gap == 1000 && out.chunks[1].offset == 2000)
    }

    /// An unacknowledged hole is reported when the stream ends.
    @Test func holeAtEndIsAGap() {
        let (out, r, budget) = run([(0, 1000), (3000, 2000)])
        #expect(out.bytes == Array(Self.data[0..<1000]) + Array(Self.data[3000..<5000]))
        #expect(r.gapBytes == 2000 && out.chunks.last?.gap == 2000)
        #expect(budget.held == 0)
    }

    /// Bounded buffering: past the per-stream limit the hole is given up, counted.
    @Test func perStreamLimitForcesTheGap() {
        var budget = ReassemblyBudget()
        budget.perStreamLimit = 1500
        let (out, r, after) = run([(0, 100), (200, 1000), (1200, 1000), (2200, 2800)], budget: budget)
        #expect(after.limitHits >= 1)
        #expect(r.gapBytes == 100 && r.gaps == 1, "one real hole, no empty gaps")
        #expect(out.bytes == Array(Self.data[0..<100]) + Array(Self.data[200..<5000]))
        #expect(after.held == 0)
    }

    @Test func totalLimitIsShared() {
        var budget = ReassemblyBudget()
        budget.totalLimit = 800
        let (_, r, after) = run([(0, 10), (100, 500), (700, 500)], budget: budget)
        #expect(after.limitHits >= 1 && r.gaps >= 1)
        #expect(after.held == 0)
    }

    /// Midstream start: no SYN seen, delivery starts at the first byte seen.
    @Test func midstreamStart() {
        var r = StreamReassembler()
        var budget = ReassemblyBudget()
        var out = Collector()
        Self.data[0..<100].withUnsafeBytes { raw in
            r.segment(sequence: 77, syn: false, payload: raw, time: 1, budget: &budget) { out.take($0) }
        }
        #expect(out.bytes == Array(Self.data[0..<100]) && out.chunks[0].offset == 0)
    }

    /// Seeded random segmentation, reordering and duplication, at random ISNs near the wrap:
    /// the stream always comes out whole and in order, with no gap.
    @Test(arguments: 1...40)
    func randomisedDelivery(seed: Int) {
        var state = UInt64(seed) &* 0x9E37_79B9_7F4A_7C15 | 1
        func next(_ bound: Int) -> Int {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            return Int(state % UInt64(bound))
        }
        var pieces: [(Int, Int)] = []
        var at = 0
        while at < Self.data.count {
            let n = min(1 + next(700), Self.data.count - at)
            pieces.append((at, n))
            at += n
        }
        for _ in 0..<pieces.count / 3 { pieces.swapAt(next(pieces.count), next(pieces.count)) }
        for _ in 0..<5 { pieces.insert(pieces[next(pieces.count)], at: next(pieces.count)) }
        let isn = UInt32.max &- UInt32(next(4000))
        let (out, r, budget) = run(pieces, isn: isn)
        #expect(out.bytes == Self.data, "seed \(seed)")
        #expect(r.gaps == 0 && budget.held == 0)
    }
}

extension StreamReassemblerTests {
    /// `nextInOrder` (tried first, as the TLS session does) then `segment` gives the chunks,
    /// gaps and overlaps `segment` alone gives: in order, reordered, overlapping, with holes
    /// given up on ACKs, from random cuts.
    @Test(arguments: 0..<40)
    func nextInOrderThenSegmentEqualsSegment(seed: Int) {
        var rng = SplitMix(seed: UInt64(seed))
        var pieces: [(Int, Int)] = []
        var at = 0
        while at < Self.data.count {
            let length = min(1 + Int(rng.next() % 700), Self.data.count - at)
            pieces.append((at, length))
            if rng.next() % 5 == 0 { pieces.append((max(0, at - Int(rng.next() % 300)), length)) }  // retransmission
            at += length
        }
        for _ in 0..<Int(rng.next() % 4) {
            let i = Int(rng.next() % UInt64(pieces.count)), j = Int(rng.next() % UInt64(pieces.count))
            pieces.swapAt(i, j)
        }
        if seed % 3 == 0 { pieces.remove(at: Int(rng.next() % UInt64(pieces.count))) }  // a hole
        let acks = seed % 2 == 0 ? [pieces.count / 2: Self.data.count / 2] : [:]
        let (reference, r1, b1) = run(pieces, acks: acks)

        var r = StreamReassembler(), budget = ReassemblyBudget(), out = Collector()
        let isn: UInt32 = 1000
        r.segment(
            sequence: isn, syn: true, payload: UnsafeRawBufferPointer(start: nil, count: 0), time: 0,
            budget: &budget
        ) { out.take($0) }
        var fast = 0
        for (n, (offset, length)) in pieces.enumerated() {
            Self.data[offset..<offset + length].withUnsafeBytes { raw in
                let sequence = isn &+ 1 &+ UInt32(offset)
                if let chunk = r.nextInOrder(sequence: sequence, syn: false, payload: raw, time: Int64(n + 1)) {
                    out.take(chunk)
                    fast += 1
                } else {
                    r.segment(sequence: sequence, syn: false, payload: raw, time: Int64(n + 1), budget: &budget) { out.take($0) }
                }
            }
            if let ack = acks[n] { r.acknowledged(isn &+ 1 &+ UInt32(ack), budget: &budget) { out.take($0) } }
        }
        r.finish(budget: &budget) { out.take($0) }
        #expect(fast > 0 || pieces[0].0 != 0, "the fast path takes the first segment when it is in order")
        #expect(out.bytes == reference.bytes)
        #expect(
            out.chunks.map { [Int($0.offset), $0.count, Int($0.time), Int($0.gap)] }
                == reference.chunks.map { [Int($0.offset), $0.count, Int($0.time), Int($0.gap)] })
        #expect(
            [r.gaps, Int(r.gapBytes), Int(r.overlapBytes), Int(r.deliveredBytes), budget.held]
                == [r1.gaps, Int(r1.gapBytes), Int(r1.overlapBytes), Int(r1.deliveredBytes), b1.held])
    }
}
