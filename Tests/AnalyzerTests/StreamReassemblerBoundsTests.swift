@testable import Analyzer
import Testing

/// Many tiny out-of-order segments: held in a heap (O(log n) each), delivered in order with
/// the first copy winning, and bounded by count and by bytes with each segment's overhead.
struct StreamReassemblerBoundsTests {
    let reassembler = StreamReassemblerTests()

    /// 4,000 one-byte segments in a shuffled order (within both bounds): the stream comes out
    /// whole and in order, with no gap.
    @Test func shuffledTinySegments() {
        var state: UInt64 = 3
        var pieces = (0..<4000).map { ($0, 1) }
        for i in stride(from: pieces.count - 1, to: 0, by: -1) {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            pieces.swapAt(i, Int(state % UInt64(i + 1)))
        }
        let (out, r, budget) = reassembler.run(pieces, finish: false)
        #expect(out.bytes == Array(StreamReassemblerTests.data.prefix(4000)))
        #expect(r.gaps == 0 && r.isSettled && budget.held == 0 && budget.limitHits == 0)
    }

    /// Duplicates of every held segment, later ones with other bytes: the first copy wins.
    @Test func firstCopyWinsInTheHeap() {
        var pieces: [(Int, Int)] = []
        for i in stride(from: 999, through: 1, by: -1) { pieces += [(i, 1), (i, 1)] }
        pieces.append((0, 1))
        let (out, r, _) = reassembler.run(pieces, finish: false)
        #expect(out.bytes == Array(StreamReassemblerTests.data.prefix(1000)))
        #expect(r.overlapBytes == 999)
    }

    /// 10,000 one-byte segments after a hole at byte 0 (never filled): the count bound
    /// (4,096 held) gives up the hole; what is held never passes the bound in bytes either.
    @Test func heldSegmentsAreBounded() {
        let pieces = (1..<5000).map { ($0, 1) }
        let (out, r, budget) = reassembler.run(pieces, finish: false)
        #expect(budget.limitHits > 0 && r.gaps == 1)
        #expect(budget.held <= StreamReassembler.maximumHeldSegments * (1 + StreamReassembler.segmentOverhead))
        #expect(out.bytes == Array(StreamReassemblerTests.data[1..<5000].prefix(out.bytes.count)))
        #expect(out.bytes.count == 4999, "after the hole was given up, the rest came in order")
    }

    /// One-byte segments meet the per-stream byte bound through their overhead: a bound of
    /// 6,500 bytes holds 100 of them (65 bytes charged each), not 6,500.
    @Test func overheadCountsAgainstTheByteBound() {
        var small = ReassemblyBudget()
        small.perStreamLimit = 65 * 100
        let (_, r, budget) = reassembler.run((1..<1000).map { ($0, 1) }, budget: small, finish: false)
        #expect(budget.limitHits > 0 && r.gaps == 1)
        #expect(budget.held <= small.perStreamLimit)
    }
}
