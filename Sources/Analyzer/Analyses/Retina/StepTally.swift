/// Per-packet counts for a recorder's series, added to the recorder once per step and series
/// rather than once per packet: a packet costs an array slot's add; the recorder's step
/// dictionary is touched when a series' step changes, and at `flushAll`. A slot holds one
/// series; its amounts are added at the start of the step they were counted in (nanoseconds,
/// `MetricsRecorder.stepStart`: still right when the recorder's step grows meanwhile).
/// Bound: one slot per series, as many as the recorder's series.
struct StepTally {
    private struct Slot {
        var family: Int
        var series: Int
        var step: Int64 = .min
        var amount = 0.0
    }

    private var slots: [Slot] = []
    /// Slots by (family, series).
    private var bySeries: [Int: [Int: Int]] = [:]

    /// The slot of a series (nil: the series was dropped at the bound, and so are its events).
    mutating func slot(_ family: Int, _ series: Int?) -> Int {
        guard let series else { return -1 }
        if let known = bySeries[family]?[series] { return known }
        slots.append(Slot(family: family, series: series))
        bySeries[family, default: [:]][series] = slots.count - 1
        return slots.count - 1
    }

    /// `amount` for the slot's series in the step starting at `stepStart`.
    @inline(__always)
    mutating func add(_ slot: Int, _ amount: Double, at stepStart: Int64, _ recorder: inout MetricsRecorder) {
        guard slot >= 0 else { return recorder.countDropped() }
        if slots[slot].step != stepStart {
            flush(slot, &recorder)
            slots[slot].step = stepStart
        }
        slots[slot].amount += amount
    }

    private mutating func flush(_ slot: Int, _ recorder: inout MetricsRecorder) {
        guard slots[slot].step != .min, slots[slot].amount != 0 else { return }
        recorder.add(slots[slot].family, series: slots[slot].series, at: slots[slot].step, slots[slot].amount)
        slots[slot].amount = 0
    }

    /// Every count still held, into the recorder.
    mutating func flushAll(_ recorder: inout MetricsRecorder) {
        for i in slots.indices { flush(i, &recorder) }
    }
}
