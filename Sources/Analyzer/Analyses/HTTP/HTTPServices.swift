import Reports

/// Every request read in full (decrypted TLS, any endpoints), for the `http` section: a row
/// each (the first `rowsKept`; all counted), grouped by server and by method and route.
/// Bounds: `rowsKept` rows, `groupLimit` keys per grouping (later keys counted as "(other)").
struct HTTPServices {
    static let rowsKept = 10_000
    static let groupLimit = 1000

    struct Group {
        var requests = 0
        var latency = CompactLatencyHistogram()
        var byStatus: [String: Int] = [:]
    }

    private(set) var requests = 0
    private var rows: [HTTPRequestRow] = []
    private var byServer: [String: Group] = [:]
    private var byRoute: [String: Group] = [:]

    mutating func add(_ http: HTTPConversation, client: String, server: String, clientPod: String?, serverPod: String?) {
        let version = if case .http2 = http { "HTTP/2" } else { "HTTP/1.1" }
        for r in http.requests {
            requests += 1
            let sent = r.end ?? r.start
            let latency = r.firstByte.map { $0 - sent }
            let route = r.method + " " + Self.template(r.target)
            if rows.count < Self.rowsKept {
                var row = HTTPRequestRow()
                (row.timestamp, row.client, row.clientPod, row.server, row.serverPod) =
                    (Double(r.start) / 1e9, client, clientPod, server, serverPod)
                (row.method, row.path, row.route, row.status) = (r.method, r.target, route, r.status)
                row.latency = latency.map { Double($0) / 1e9 }
                row.lastByteLatency = r.lastByte.map { Double($0 - sent) / 1e9 }
                (row.httpVersion, row.grpcStatus) = (version, r.grpcStatus)
                rows.append(row)
            }
            Self.count(&byServer, serverPod ?? server, status: r.status, latency: latency)
            Self.count(&byRoute, route, status: r.status, latency: latency)
        }
    }

    private static func count(_ groups: inout [String: Group], _ key: String, status: Int?, latency: Int64?) {
        let k = groups[key] != nil || groups.count < groupLimit ? key : "(other)"
        var g = groups.removeValue(forKey: k) ?? Group()
        g.requests += 1
        if let s = status, let l = latency {
            g.latency.record(nanoseconds: l)
            g.byStatus[String(s), default: 0] += 1
        }
        groups[k] = g
    }

    /// A path's route: the query dropped, and each segment that looks like an ID (a number, or
    /// 8 characters or more with two digits and no dot: a UUID, a hash, a generated pod name;
    /// not an API group such as `coordination.k8s.io`) as `{id}`.
    static func template(_ path: String) -> String {
        let bare = path.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        let segments = bare.split(separator: "/", omittingEmptySubsequences: false).map { s -> Substring in
            let digits = s.filter { $0.isASCII && $0.isNumber }.count
            let allDigits = !s.isEmpty && digits == s.count
            return allDigits || (digits >= 2 && s.count >= 8 && !s.contains(".")) ? "{id}" : s
        }
        return segments.joined(separator: "/")
    }

    func section(rows limit: Int) -> HTTPSection {
        var out = HTTPSection()
        out.requests = requests
        out.requestList = RowList(total: requests, rows: Array(rows.sorted { $0.timestamp < $1.timestamp }.prefix(limit)))
        func list(_ groups: [String: Group]) -> RowList<HTTPGroupRow> {
            let all = groups.map { key, g -> HTTPGroupRow in
                var r = HTTPGroupRow()
                (r.key, r.requests, r.latency, r.byStatus) = (key, g.requests, g.latency.percentiles, g.byStatus)
                return r
            }.sorted { ($0.requests, $1.key) > ($1.requests, $0.key) }
            return RowList(total: all.count, rows: Array(all.prefix(limit)))
        }
        out.byServer = list(byServer)
        out.byRoute = list(byRoute)
        return out
    }
}
