/// Handshakes per key (server name, server endpoint), at most `limit` keys (then "(other)").
struct TLSGroups {
    struct Group {
        var handshakes = 0
        var failures = 0
        var latency = CompactLatencyHistogram()
        var hello = CompactLatencyHistogram()
    }
    let limit: Int
    private(set) var groups: [String: Group] = [:]
    private(set) var other: Group?

    init(limit: Int) { self.limit = limit }

    mutating func add(_ key: String, failed: Bool, latency: Int64?, hello: Int64?) {
        if groups[key] == nil && groups.count >= limit {
            if other == nil { other = Group() }
            Self.count(failed, latency, hello, into: &other!)
        } else {
            Self.count(failed, latency, hello, into: &groups[key, default: Group()])
        }
    }

    private static func count(_ failed: Bool, _ latency: Int64?, _ hello: Int64?, into g: inout Group) {
        g.handshakes += 1
        if failed { g.failures += 1 }
        if let latency { g.latency.record(nanoseconds: latency) }
        if let hello { g.hello.record(nanoseconds: hello) }
    }
}
