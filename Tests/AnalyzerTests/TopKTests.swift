@testable import Analyzer
import Testing

struct TopKTests {
    struct Score: Ranked, Equatable {
        var value: Int
        static func ranksBelow(_ a: Score, _ b: Score) -> Bool { a.value < b.value }
    }

    /// The best `capacity` kept, best first; every offer counted.
    @Test func keepsTheBest() {
        var k = TopK<Score>(capacity: 3)
        for v in [5, 1, 9, 7, 3, 8] { k.offer(Score(value: v)) }
        #expect(k.sorted().map(\.value) == [9, 8, 7] && k.seen == 6)
    }

    /// `admits` says what `offer` would do, so a caller can skip building what would be
    /// dropped; `pass` still counts it.
    @Test func admitsMatchesOffer() {
        var k = TopK<Score>(capacity: 2)
        var built = 0
        for v in [4, 6, 1, 2, 7, 5, 3] {
            if k.admits(Score(value: v)) {
                built += 1
                k.offer(Score(value: v))
            } else {
                k.pass()
            }
        }
        #expect(k.sorted().map(\.value) == [7, 6] && k.seen == 7 && built == 3)
        #expect(!TopK<Score>(capacity: 0).admits(Score(value: 1)))
    }
}
