/// The capture time that drives expiry. It follows packet timestamps forward, but does
/// not trust one wild leap: a step of more than `maximumStep` is taken only after
/// `confirmations` packets in a row agree with it. One bogus timestamp (year 586524 in a
/// real file in the corpus) would otherwise expire every live flow at once.
struct CaptureClock {
    static let maximumStep: Int64 = 3600 * 1_000_000_000
    static let confirmations = 1024

    private(set) var now: Int64 = .min
    private var pendingLeaps = 0
    private(set) var leapsTaken = 0
    private(set) var leapsIgnored = 0

    @inline(__always)
    mutating func observe(_ t: Int64) {
        if now == .min { now = t; return }
        guard t > now else { return }
        if t &- now <= Self.maximumStep {
            now = t
            pendingLeaps = 0
            return
        }
        pendingLeaps += 1
        if pendingLeaps >= Self.confirmations {
            now = t
            pendingLeaps = 0
            leapsTaken += 1
        } else if pendingLeaps == 1 {
            leapsIgnored += 1
        }
    }
}
