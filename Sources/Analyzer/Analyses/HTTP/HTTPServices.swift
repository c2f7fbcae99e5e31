import Reports

/// Every request read in full (decrypted TLS or cleartext, any endpoints), for the `http`
/// section: a row each (the first `rowsKept`; all counted), grouped by server, by method and
/// route, and gRPC calls by service and method.
/// Bounds: `rowsKept` rows, `groupLimit` keys per grouping (later keys counted as "(other)").
struct HTTPServices {
    static let rowsKept = 10_000
    static let groupLimit = 1000

    private(set) var requests = 0
    /// Requests past `HTTP1Conversation.limit` on their connection: counted, not read.
    private(set) var dropped = 0
    private var rows: [HTTPRequestRow] = []
    private var byServer = RequestGroups(limit: HTTPServices.groupLimit)
    private var byRoute = RequestGroups(limit: HTTPServices.groupLimit)
    private var byClient = RequestGroups(limit: HTTPServices.groupLimit)
    /// gRPC calls by service and method, their statuses `grpc-status` codes.
    private var byMethod = RequestGroups(limit: HTTPServices.groupLimit)

    /// A connection's two ends as rows and groups name them.
    struct Ends {
        var client: String
        var server: String
        var clientPod: String?
        var serverPod: String?
        /// "namespace/Kind/name" of the server pod's workload.
        var serverWorkload: String?

        /// With the owners the directory gave the client and the server.
        init(client: String, server: String, _ owners: (PodDirectory.Owner?, PodDirectory.Owner?), _ directory: PodDirectory?) {
            (self.client, self.server) = (client, server)
            if let directory {
                clientPod = owners.0.map(directory.name)
                serverPod = owners.1.map(directory.name)
                serverWorkload = owners.1.flatMap(directory.workload)
            }
        }

        /// The client as `byClient` groups it: its pod, else its address (not its port:
        /// ephemeral ports would make a group per connection).
        var clientKey: String {
            if let clientPod { return clientPod }
            guard let colon = client.lastIndex(of: ":") else { return client }
            let address = client[..<colon]
            return address.hasPrefix("[") ? String(address.dropFirst().dropLast()) : String(address)
        }
    }

    /// One connection's requests. `connection`: its id (`tcp.flows`), which each request's
    /// `recordId` extends ("http-<connection>-<n>", n from 1 in request order); `records`:
    /// where to write them as NDJSON records (nil for the API server's connections, whose
    /// requests the API-server analysis writes).
    mutating func add(_ http: HTTPConversation, _ ends: Ends, decrypted: Bool, connection: String, records: RecordWriter?) {
        let (client, server, clientPod, serverPod) = (ends.client, ends.server, ends.clientPod, ends.serverPod)
        let version = if case .http2 = http { "HTTP/2" } else { "HTTP/1.1" }
        dropped += http.dropped
        for (n, r) in http.requests.enumerated() {
            requests += 1
            let sent = r.end ?? r.start
            let latency = r.firstByte.map { $0 - sent }
            let route = r.method + " " + Self.template(r.target)
            if rows.count < Self.rowsKept || records != nil {
                var row = HTTPRequestRow()
                (row.timestamp, row.client, row.clientPod, row.server, row.serverPod) =
                    (Double(r.start) / 1e9, client, clientPod, server, serverPod)
                (row.method, row.path, row.route, row.status) = (r.method, r.target, route, r.status)
                row.latency = latency.map { Double($0) / 1e9 }
                row.lastByteLatency = r.lastByte.map { Double($0 - sent) / 1e9 }
                (row.httpVersion, row.grpcStatus, row.decrypted) = (version, r.grpcStatus, decrypted)
                (row.stream, row.requestBytes, row.responseBytes) = (r.stream.map(Int.init), r.requestBytes, r.responseBytes)
                row.recordId = "http-" + connection + "-" + String(n + 1)
                if let records { records.write(RecordLine(record: "http", recordId: row.recordId ?? "", row: row)) }
                if rows.count < Self.rowsKept { rows.append(row) }
            }
            // Latency only of the requests that got a response (as their status).
            let answered = r.status == nil ? nil : latency
            byServer.add(ends.serverWorkload ?? serverPod ?? server, status: r.status, latency: answered)
            byClient.add(ends.clientKey, status: r.status, latency: answered)
            byRoute.add(route, status: r.status, latency: answered)
            if r.grpc {
                // "package.Service/Method"; a call without grpc-status (reset, cut short) is
                // counted without a status, its latency only if the server answered.
                let method = r.target.hasPrefix("/") ? String(r.target.dropFirst()) : r.target
                byMethod.add(method, status: r.grpcStatus, latency: r.grpcStatus == nil ? nil : latency)
            }
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

    /// The bound reached, as the report says it.
    var warnings: [String] {
        dropped == 0 ? [] : ["\(dropped) HTTP requests left out of the http section: more than "
            + "\(HTTP1Conversation.limit) on one connection"]
    }

    func section(rows limit: Int) -> HTTPSection {
        var out = HTTPSection()
        out.requests = requests
        out.requestList = RowList(total: requests, rows: Array(rows.sorted { $0.timestamp < $1.timestamp }.prefix(limit)))
        out.byServer = byServer.list(rows: limit)
        out.byRoute = byRoute.list(rows: limit)
        out.byClient = byClient.list(rows: limit)
        out.grpc.byMethod = byMethod.list(rows: limit)
        return out
    }
}
