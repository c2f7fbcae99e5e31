/// An IPv4 or IPv6 address in 16 bytes (IPv4 as ::ffff:a.b.c.d), so flow keys have one
/// fixed shape and compare as two integers.
public struct IPAddress: Hashable, Sendable, Comparable {
    public var high: UInt64
    public var low: UInt64

    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    public init(v4 value: UInt32) {
        high = 0
        low = 0x0000_FFFF_0000_0000 | UInt64(value)
    }

    public var isV4: Bool { high == 0 && low >> 32 == 0xFFFF }
    public var v4: UInt32 { UInt32(truncatingIfNeeded: low) }

    public static func < (a: IPAddress, b: IPAddress) -> Bool {
        a.high != b.high ? a.high < b.high : a.low < b.low
    }

    /// Dotted quad, or RFC 5952 text (lower case, longest zero run as "::").
    public var text: String {
        if isV4 {
            let v = v4
            return "\(v >> 24).\(v >> 16 & 0xff).\(v >> 8 & 0xff).\(v & 0xff)"
        }
        var groups = [UInt16]()
        for word in [high, low] {
            for i in stride(from: 48, through: 0, by: -16) { groups.append(UInt16(truncatingIfNeeded: word >> UInt64(i))) }
        }
        var bestStart = -1, bestLength = 0, runStart = -1
        for i in 0...8 {
            if i < 8 && groups[i] == 0 {
                if runStart < 0 { runStart = i }
            } else if runStart >= 0 {
                if i - runStart > bestLength && i - runStart >= 2 { bestStart = runStart; bestLength = i - runStart }
                runStart = -1
            }
        }
        var parts = [String]()
        var i = 0
        while i < 8 {
            if i == bestStart {
                parts.append(i == 0 ? ":" : "")
                i += bestLength
                if i == 8 { parts.append("") }
                continue
            }
            parts.append(String(groups[i], radix: 16))
            i += 1
        }
        return parts.joined(separator: ":")
    }

    /// "ip:port" or "[v6]:port", the endpoint form of every Loupe report.
    public func endpoint(port: UInt16) -> String { isV4 ? "\(text):\(port)" : "[\(text)]:\(port)" }
}
