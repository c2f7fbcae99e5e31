@testable import Analyzer
import Reports
import Testing

/// The step chosen from the capture's length: 30 to 200 points whatever the length, every
/// event still counted once (a coarser step merges cells, it never drops them), histograms'
/// buckets summed, and a recorder's memory bounded by its span while it records.
struct StepLadderTests {
    static let second: Int64 = 1_000_000_000

    @Test(arguments: [
        Int64(300_000_000), 2_400_000_000, 60 * second, 3600 * second, 3 * 86_400 * second, 80 * 365 * 86_400 * second,
    ])
    func pointsWithinBounds(length: Int64) {
        var r = MetricsRecorder(adaptiveReserving: 0)
        let counter = r.family("c", "events", .gauge)
        let histogram = r.family("h", "latency", .histogram, bounds: [0.001, 0.01])
        let start: Int64 = 1_795_718_697 * Self.second
        let events = 5000
        var widest = 0
        for i in 0..<events {
            let t = start + length / Int64(events - 1) * Int64(i)
            r.add(counter, [("k", "v")], at: t)
            r.observe(histogram, [], at: t, i % 2 == 0 ? 0.0005 : 0.5)
            widest = max(widest, r.families[counter].series[0].steps.count)
        }
        r.fit()
        let m = r.model
        let points = m.lastStep - m.firstStep + 1
        #expect(points >= 30 && points <= 200, "\(length) ns: \(points) points of \(m.step) ns")
        #expect(StepLadder.rungs.contains(m.step) || m.step > StepLadder.rungs.last!)
        #expect(widest <= 2 * StepLadder.maximumPoints, "cells held while recording")
        let total = m.families[counter].series[0].steps.values.reduce(0) { $0 + $1.value }
        #expect(total == Double(events))
        let buckets = m.families[histogram].series[0].steps.values.reduce([0, 0, 0]) { a, c in zip(a, c.buckets).map { $0 + $1 } }
        #expect(buckets == [events / 2, 0, events / 2])
    }

    /// A step given (`--step`) is kept however many points it makes.
    @Test func givenStepWins() {
        var r = MetricsRecorder(step: Self.second)
        let f = r.family("c", "events", .gauge)
        for i in 0..<1000 { r.add(f, [], at: Int64(i) * Self.second) }
        r.fit()
        #expect(r.model.step == Self.second && r.model.lastStep - r.model.firstStep + 1 == 1000)
    }

    /// Each rung divides the next: finer cells merge exactly.
    @Test func rungsDivide() {
        for (a, b) in zip(StepLadder.rungs, StepLadder.rungs.dropFirst()) { #expect(b % a == 0 && b / a <= 5) }
        #expect(StepLadder.next(after: StepLadder.rungs.last!) == 2 * StepLadder.rungs.last!)
    }

    /// A place taken at a fine step (TCP keeps one per retransmission until the connection
    /// ends) lands in the right step after the recorder has coarsened.
    @Test func stepStartSurvivesCoarsening() {
        var r = MetricsRecorder(adaptiveReserving: 0)
        let f = r.family("c", "events", .gauge)
        let early = r.stepStart(7 * 1_000_000)  // 7 ms, at the 1 ms base
        for i in 0...1000 { r.add(f, [("s", "busy")], at: Int64(i) * 10_000_000) }  // 10 s of events
        r.add(f, [("s", "late")], at: early)
        r.fit()
        let m = r.model
        let late = m.families[f].series.first { $0.labels[0].1 == "late" }!
        #expect(late.steps.keys.sorted() == [MetricsRecorder.stepIndex(7 * 1_000_000, step: m.step)])
    }
}
