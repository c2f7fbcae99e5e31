import Reports

/// Requests grouped by a key (a server, a route, "list pods"): how many, their latency and
/// their statuses. Bound: `limit` keys; later keys are counted under "(other)".
struct RequestGroups {
    struct Group {
        var requests = 0
        var latency = CompactLatencyHistogram()
        var byStatus: [String: Int] = [:]
    }

    let limit: Int
    private var groups: [String: Group] = [:]

    init(limit: Int) { self.limit = limit }

    /// One request: its latency (nanoseconds) and status when it got a response.
    mutating func add(_ key: String, status: Int?, latency: Int64?) {
        let k = groups.count < limit || groups[key] != nil ? key : "(other)"
        // Updated in place (the dictionary's modify accessor): a copy read from the table
        // would copy its histogram.
        Self.count(&groups[k, default: Group()], status: status, latency: latency)
    }

    private static func count(_ g: inout Group, status: Int?, latency: Int64?) {
        g.requests += 1
        if let l = latency { g.latency.record(nanoseconds: l) }
        if let s = status { g.byStatus[String(s), default: 0] += 1 }
    }

    /// Most requests first (then by key), at most `rows`; `total` counts every group.
    func list(rows: Int) -> RowList<HTTPGroupRow> {
        let all = groups.map { key, g -> HTTPGroupRow in
            var r = HTTPGroupRow()
            (r.key, r.requests, r.latency, r.byStatus) = (key, g.requests, g.latency.percentiles, g.byStatus)
            return r
        }.sorted { ($0.requests, $1.key) > ($1.requests, $0.key) }
        return RowList(total: all.count, rows: Array(all.prefix(rows)))
    }
}
