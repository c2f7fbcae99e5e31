@testable import Analyzer
import Dissectors
import Testing

/// `SegmentRanges`: a segment's bytes are covered only by segments first seen at other points,
/// within the window, in the same direction, together holding every byte (across the
/// sequence space's wrap too); a bucket keeps its last `perBucket` entries.
struct SegmentRangesTests {
    static let bytes = [UInt8](repeating: 0, count: 70_000)

    /// Runs `body` with a frame of the given sequence number and payload length.
    static func with<T>(seq: UInt32, length: Int, port: UInt16 = 80, _ body: (DecodedFrame) -> T) -> T {
        bytes.withUnsafeBytes { raw in
            var f = DecodedFrame()
            f.source = IPAddress(high: 0, low: 0x0A00_0001)
            f.destination = IPAddress(high: 0, low: 0x0A00_0002)
            (f.sourcePort, f.destinationPort, f.sequenceNumber) = (port, 40_000, seq)
            f.payload = ByteSlice(UnsafeRawBufferPointer(rebasing: raw[0..<length]))
            return body(f)
        }
    }

    static func table(_ pieces: [(seq: UInt32, length: Int, point: Int, time: Int64)], port: UInt16 = 80) -> SegmentRanges {
        var r = SegmentRanges()
        r.allocate()
        for (i, p) in pieces.enumerated() {
            let found = with(seq: p.seq, length: p.length, port: port) {
                r.check(SegmentRanges.Segment($0), identity: UInt64(i + 1), point: p.point, now: p.time, window: 1 << 40)
            }
            #expect(found.isEmpty)
        }
        return r
    }

    @Test func piecesCoverTheMergedSegment() {
        var r = Self.table([(1_000, 1_448, 0, 0), (2_448, 1_448, 0, 10), (3_896, 1_448, 0, 20)])
        let all = Self.with(seq: 1_000, length: 4_344) {
            r.check(SegmentRanges.Segment($0), identity: 99, point: 1, now: 100, window: 500_000_000)
        }
        #expect(Set(all) == [1, 2, 3])
        // Not at the point that saw the pieces (a resend there), not past the window, not with
        // a byte missing, not in another direction.
        #expect(
            Self.with(seq: 1_000, length: 4_344) {
                r.check(SegmentRanges.Segment($0), identity: 99, point: 0, now: 100, window: 500_000_000)
            }.isEmpty)
        #expect(
            Self.with(seq: 1_000, length: 4_344) {
                r.check(SegmentRanges.Segment($0), identity: 99, point: 1, now: 600_000_000, window: 500_000_000)
            }
            .isEmpty)
        #expect(
            Self.with(seq: 1_000, length: 4_345) {
                r.check(SegmentRanges.Segment($0), identity: 99, point: 1, now: 100, window: 500_000_000)
            }.isEmpty)
        #expect(
            Self.with(seq: 1_000, length: 1_448, port: 81) {
                r.check(SegmentRanges.Segment($0), identity: 99, point: 1, now: 100, window: 500_000_000)
            }
            .isEmpty)
        // A piece within the merged one.
        #expect(
            Self.with(seq: 2_448, length: 1_448) {
                r.check(SegmentRanges.Segment($0), identity: 99, point: 1, now: 100, window: 500_000_000)
            } == [2])
    }

    @Test func theMergedSegmentCoversItsPiecesAcrossTheWrap() {
        var r = Self.table([(UInt32.max - 999, 4_000, 0, 0)])
        for seq in [UInt32.max - 999, UInt32.max - 1, 500, 2_499] {
            #expect(
                Self.with(seq: seq, length: 500) { r.check(SegmentRanges.Segment($0), identity: 99, point: 2, now: 0, window: 1) }
                    == [1], "\(seq)")
        }
        #expect(
            Self.with(seq: 2_800, length: 500) { r.check(SegmentRanges.Segment($0), identity: 99, point: 2, now: 0, window: 1) }
                .isEmpty)
    }

    @Test func aBucketKeepsItsLastEntries() {
        let n = SegmentRanges.perBucket + 2
        var r = Self.table((0..<n).map { (UInt32($0) * 100, 100, 0, Int64($0)) })
        // The first two gave way: the bytes they held are no longer matched.
        #expect(
            Self.with(seq: 0, length: 100) { r.check(SegmentRanges.Segment($0), identity: 99, point: 1, now: 0, window: 1_000) }
                .isEmpty)
        #expect(
            !Self.with(seq: 900, length: 100) {
                r.check(SegmentRanges.Segment($0), identity: 99, point: 1, now: 0, window: 1_000)
            }.isEmpty)
        // Without `allocate` (one point), nothing is kept.
        var none = SegmentRanges()
        #expect(
            Self.with(seq: 0, length: 100) { none.check(SegmentRanges.Segment($0), identity: 1, point: 0, now: 0, window: 1_000) }
                .isEmpty)
        #expect(
            Self.with(seq: 0, length: 100) {
                none.check(SegmentRanges.Segment($0), identity: 99, point: 1, now: 0, window: 1_000)
            }.isEmpty)
    }
}
