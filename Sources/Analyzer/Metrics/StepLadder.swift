/// The steps a metric series takes when its step is chosen from the capture's length rather
/// than given (`--step`): the HTML timeline and the OpenMetrics series get 30 to 200 points.
/// Each rung divides the next (ratios 2, 3 or 5), so a series recorded at a finer step merges
/// exactly into a coarser one; past the last rung the step doubles. Nanoseconds.
enum StepLadder {
    static let rungs: [Int64] =
        [1, 5, 10, 50, 100, 500].map { $0 * 1_000_000 }
        + [1, 5, 10, 30, 60, 300, 600, 1800, 3600, 3 * 3600, 6 * 3600, 12 * 3600, 86_400].map { $0 * 1_000_000_000 }

    /// The finest step, where a recorder starts.
    static var base: Int64 { rungs[0] }

    /// Points a finished series may span at most; a recorder coarsens as it goes once it
    /// spans twice that (so it holds at most that many steps per series: its memory bound).
    static let maximumPoints = 200

    /// The rung after `step` (a rung itself).
    static func next(after step: Int64) -> Int64 {
        if let r = rungs.first(where: { $0 > step }) { return r }
        let (twice, overflow) = step.multipliedReportingOverflow(by: 2)
        return overflow ? .max : twice
    }

    /// Whether a series spanning steps `first...last` must climb a rung before it takes step
    /// `k` (`first == .max`: nothing recorded yet).
    static func mustCoarsen(first: Int64, last: Int64, taking k: Int64) -> Bool {
        first != .max && max(last, k) &- min(first, k) >= 2 * Int64(maximumPoints)
    }

    /// Step index `k` of a step `old` long, as an index of the step `new` long holding it
    /// (`new` a rung above `old`: their starts line up).
    static func rebase(_ k: Int64, from old: Int64, to new: Int64) -> Int64 {
        let (start, overflow) = k.multipliedReportingOverflow(by: old)
        return MetricsRecorder.stepIndex(overflow ? (k < 0 ? .min : .max) : start, step: new)
    }
}
