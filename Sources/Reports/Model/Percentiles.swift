/// A latency distribution: how many samples, and seconds at each percentile (null when
/// there are none). `max` is exact; the percentiles are within 0.1% (HdrHistogram, 3
/// significant digits).
public struct Percentiles: Codable, Sendable, Equatable {
    public var count: Int
    @Null public var p50: Double?
    @Null public var p90: Double?
    @Null public var p95: Double?
    @Null public var p99: Double?
    @Null public var max: Double?

    public init(count: Int, p50: Double?, p90: Double?, p95: Double?, p99: Double?, max: Double?) {
        self.count = count
        self.p50 = p50
        self.p90 = p90
        self.p95 = p95
        self.p99 = p99
        self.max = max
    }

    /// In key order: the JSON writer then never moves this object's members (it sorts
    /// them; in declaration order they came unsorted).
    enum CodingKeys: String, CodingKey {
        case count, max, p50, p90, p95, p99
    }
}
