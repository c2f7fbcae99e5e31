/// A capture timestamp: whole seconds since the Unix epoch plus nanoseconds.
///
/// Why not one `Int64` of nanoseconds: pcapng timestamps are unsigned 64-bit counts in
/// a per-interface unit, and real files carry values (year 586524) that overflow an
/// `Int64` of nanoseconds. Finer resolutions than 1 ns are truncated, as tshark does.
public struct Timestamp: Hashable, Comparable, Sendable {
    public var seconds: Int64
    /// Always in `0..<1_000_000_000`.
    public var nanoseconds: UInt32

    public init(seconds: Int64, nanoseconds: UInt32) {
        self.seconds = seconds
        self.nanoseconds = nanoseconds
    }

    public static let zero = Timestamp(seconds: 0, nanoseconds: 0)

    public static func < (a: Timestamp, b: Timestamp) -> Bool {
        a.seconds != b.seconds ? a.seconds < b.seconds : a.nanoseconds < b.nanoseconds
    }

    /// Seconds as a `Double`, for durations and rates (precision loss is fine there).
    public var doubleValue: Double { Double(seconds) + Double(nanoseconds) / 1e9 }

    /// The exact decimal text of the timestamp in seconds, e.g. `1422527998.578402281`.
    public var decimalString: String {
        // seconds + nanos/1e9 with a negative `seconds` means e.g. -1 + 0.25 = -0.75.
        var s = seconds, n = Int64(nanoseconds)
        var sign = ""
        if s < 0 {
            sign = "-"
            if n > 0 { s += 1; n = 1_000_000_000 - n }
            s = s == Int64.min ? Int64.max : -s
        }
        let frac = String(n)
        return sign + String(s) + "." + String(repeating: "0", count: 9 - frac.count) + frac
    }

    /// Difference `self - other` in seconds.
    public func seconds(since other: Timestamp) -> Double {
        Double(seconds &- other.seconds) + (Double(nanoseconds) - Double(other.nanoseconds)) / 1e9
    }

    /// The timestamp moved by `delta` nanoseconds (wrapping only past `Int64`'s seconds).
    public func adding(nanoseconds delta: Int64) -> Timestamp {
        let total = Int64(nanoseconds) + delta % 1_000_000_000
        let carry = total >= 1_000_000_000 ? 1 : total < 0 ? -1 : 0
        return Timestamp(
            seconds: seconds &+ delta / 1_000_000_000 &+ Int64(carry),
            nanoseconds: UInt32(total - Int64(carry) * 1_000_000_000))
    }

    /// Total nanoseconds, saturating at the ends of `Int64` (for ordering and binning).
    public var saturatingNanoseconds: Int64 {
        let (m, o1) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if o1 { return seconds < 0 ? .min : .max }
        let (r, o2) = m.addingReportingOverflow(Int64(nanoseconds))
        return o2 ? .max : r
    }
}

extension Timestamp {
    /// Converts a count of `1/divisor`-second units, plus an offset in seconds.
    /// Returns nil when the result does not fit (seconds past `Int64.max`).
    public static func fromUnits(_ units: UInt64, divisor: UInt64, offsetSeconds: Int64 = 0) -> Timestamp? {
        precondition(divisor > 0)
        let whole: UInt64, nanos: UInt64
        // Microseconds (pcapng's default) and nanoseconds: divisions by constants, which
        // compile to multiplications (the general path's 128-bit division was a tenth of
        // the pcapng parser's time per packet).
        switch divisor {
        case 1_000_000:
            (whole, nanos) = (units / 1_000_000, units % 1_000_000 * 1_000)
        case 1_000_000_000:
            (whole, nanos) = (units / 1_000_000_000, units % 1_000_000_000)
        default:
            whole = units / divisor
            let rest = units % divisor
            // rest < divisor <= 2^64: rest * 1e9 needs up to 94 bits; use full-width arithmetic.
            let product = rest.multipliedFullWidth(by: 1_000_000_000)
            nanos = divisor.dividingFullWidth((high: product.high, low: product.low)).quotient
        }
        guard whole <= UInt64(Int64.max) else { return nil }
        let (secs, overflow) = Int64(whole).addingReportingOverflow(offsetSeconds)
        guard !overflow else { return nil }
        return Timestamp(seconds: secs, nanoseconds: UInt32(nanos))
    }
}
