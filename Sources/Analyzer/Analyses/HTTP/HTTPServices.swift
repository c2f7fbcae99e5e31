import Reports

/// Every request read in full (decrypted TLS, any endpoints), for the `http` section: a row
/// each (the first `rowsKept`; all counted), grouped by server and by method and route.
/// Bounds: `rowsKept` rows, `groupLimit` keys per grouping (later keys counted as "(other)").
struct HTTPServices {
    static let rowsKept = 10_000
    static let groupLimit = 1000

    private(set) var requests = 0
    private var rows: [HTTPRequestRow] = []
    private var byServer = RequestGroups(limit: HTTPServices.groupLimit)
    private var byRoute = RequestGroups(limit: HTTPServices.groupLimit)

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
            // Latency only of the requests that got a response (as their status).
            let answered = r.status == nil ? nil : latency
            byServer.add(serverPod ?? server, status: r.status, latency: answered)
            byRoute.add(route, status: r.status, latency: answered)
        }
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
        out.byServer = byServer.list(rows: limit)
        out.byRoute = byRoute.list(rows: limit)
        return out
    }
}
