import Reports

/// Every request read in full (decrypted TLS or cleartext, any endpoints), for the `http`
/// section: a row for each of the earliest (the `--rows` first by time, at most `rowsKept`;
/// all counted), grouped by server, by method and route, and gRPC calls by service and method.
/// Bounds: `rowsKept` rows, `groupLimit` keys per grouping (later keys counted as "(other)").
struct HTTPServices {
    static let rowsKept = 10_000
    static let groupLimit = 1000

    private(set) var requests = 0
    /// Requests past `HTTP1Conversation.limit` on their connection: counted, not read.
    private(set) var dropped = 0
    /// The earliest requests' rows; a row is built only for a request the list admits (or
    /// for a record).
    private var listed: TopK<Listed>

    struct Listed: Ranked {
        var time: Int64
        var order: Int
        var row: HTTPRequestRow
        /// Later ranks below (then read later).
        static func ranksBelow(_ a: Listed, _ b: Listed) -> Bool { (a.time, a.order) > (b.time, b.order) }
    }

    /// `rows`: how many rows the section lists (`--rows`).
    init(rows: Int = HTTPServices.rowsKept) {
        listed = TopK(capacity: min(rows, Self.rowsKept))
    }
    private var byServer = RequestGroups(limit: HTTPServices.groupLimit)
    private var byRoute = RequestGroups(limit: HTTPServices.groupLimit)
    private var byClient = RequestGroups(limit: HTTPServices.groupLimit)
    /// gRPC calls by service and method, their statuses `grpc-status` codes.
    private var byMethod = RequestGroups(limit: HTTPServices.groupLimit)

    /// Texts of the ends, made once each (`EndpointTexts`).
    private var texts = EndpointTexts()

    /// One connection's requests. `connection` makes its id (`tcp.flows`), which each
    /// request's `recordId` extends ("http-<connection>-<n>", n from 1 in request order),
    /// only when a row or a record is written; `records`: where to write them as NDJSON
    /// records (nil for the API server's connections, whose requests the API-server analysis
    /// writes).
    mutating func add(
        _ http: HTTPConversation, _ ends: HTTPEnds, decrypted: Bool, connection: () -> String,
        records: RecordWriter?
    ) {
        let (clientPod, serverPod) = (ends.clientPod, ends.serverPod)
        let version = http.isHTTP2 ? "HTTP/2" : "HTTP/1.1"
        dropped += http.dropped
        var id: String?
        // Group keys: the server's workload, pod or "ip:port"; the client's pod or address
        // (not its port: ephemeral ports would make a group per connection).
        let serverKey = ends.serverWorkload ?? serverPod ?? texts.endpoint(ends.server)
        let clientKey = clientPod ?? texts.address(ends.client.address)
        for (n, r) in http.requests.enumerated() {
            requests += 1
            let sent = r.end ?? r.start
            let latency = r.firstByte.map { $0 - sent }
            let route = r.method + " " + Self.template(r.target)
            let admitted = listed.admits(Listed(time: r.start, order: requests, row: HTTPRequestRow()))
            if admitted || records != nil {
                var row = HTTPRequestRow()
                (row.timestamp, row.client, row.clientPod, row.server, row.serverPod) =
                    (Double(r.start) / 1e9, texts.endpoint(ends.client), clientPod, texts.endpoint(ends.server), serverPod)
                (row.method, row.path, row.route, row.status) = (r.method, r.target, route, r.status)
                row.latency = latency.map { Double($0) / 1e9 }
                row.lastByteLatency = r.lastByte.map { Double($0 - sent) / 1e9 }
                (row.httpVersion, row.grpcStatus, row.decrypted) = (version, r.grpcStatus, decrypted)
                (row.stream, row.requestBytes, row.responseBytes) = (r.stream.map(Int.init), r.requestBytes, r.responseBytes)
                if id == nil { id = connection() }
                row.recordId = "http-" + id! + "-" + String(n + 1)
                if let records { records.write(RecordLine(record: "http", recordId: row.recordId ?? "", row: row)) }
                if admitted { listed.offer(Listed(time: r.start, order: requests, row: row)) } else { listed.pass() }
            } else {
                listed.pass()
            }
            // Latency only of the requests that got a response (as their status).
            let answered = r.status == nil ? nil : latency
            byServer.add(serverKey, status: r.status, latency: answered)
            byClient.add(clientKey, status: r.status, latency: answered)
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
    /// not an API group such as `coordination.k8s.io`) as `{id}`. A path without a digit is
    /// its own route (no segment to look at: most paths, made without splitting).
    static func template(_ path: String) -> String {
        let bare = path.firstIndex(of: "?").map { path[..<$0] } ?? path[...]
        guard bare.utf8.contains(where: { $0 >= 0x30 && $0 <= 0x39 }) else { return String(bare) }
        let segments = bare.split(separator: "/", omittingEmptySubsequences: false).map { s -> Substring in
            let digits = s.utf8.filter { $0 >= 0x30 && $0 <= 0x39 }.count
            let allDigits = !s.isEmpty && digits == s.utf8.count
            return allDigits || (digits >= 2 && s.utf8.count >= 8 && !s.contains(".")) ? "{id}" : s
        }
        return segments.joined(separator: "/")
    }

    /// The bound reached, as the report says it.
    var warnings: [String] {
        dropped == 0
            ? []
            : [
                "\(dropped) HTTP requests left out of the http section: more than "
                    + "\(HTTP1Conversation.limit) on one connection"
            ]
    }

    func section(rows limit: Int) -> HTTPSection {
        var out = HTTPSection()
        out.requests = requests
        out.requestList = RowList(total: requests, rows: Array(listed.sorted().map(\.row).prefix(limit)))
        out.byServer = byServer.list(rows: limit)
        out.byRoute = byRoute.list(rows: limit)
        out.byClient = byClient.list(rows: limit)
        out.grpc.byMethod = byMethod.list(rows: limit)
        return out
    }
}
