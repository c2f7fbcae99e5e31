import Reports

/// API-server requests read in full (decrypted TLS, plain HTTP): each a row, grouped by verb
/// and resource. Bounds: `rows` rows kept (the first by time; the rest counted), and
/// `verbLimit` verb+resource keys (later keys counted under "(other)").
struct APIRequests {
    static let verbLimit = 1000
    private(set) var rows: [APIRequestRow] = []
    private(set) var total = 0
    private var verbs = RequestGroups(limit: APIRequests.verbLimit)
    /// Slow lists, watch ends, expired lists and error times (`APIChurn`).
    var churn = APIChurn()
    /// `--format ndjson`: every request as a record (`"http"`) when its connection ends.
    var records: RecordWriter?

    /// `recordId`: "http-", the connection's id (`tcp.flows`) and the request's place on it
    /// from 1, as the `http` section's rows have it.
    mutating func add(_ row: APIRequestRow, recordId: String, key: String, latency: Int64?, limit: Int) {
        total += 1
        var row = row
        row.recordId = recordId
        if let records { records.write(RecordLine(record: "http", recordId: row.recordId ?? "", row: row)) }
        if rows.count < limit { rows.append(row) }
        verbs.add(key, status: row.status, latency: latency)
        churn.request(row)
    }

    func lists(rows limit: Int) -> (RowList<APIRequestRow>, RowList<HTTPGroupRow>) {
        let sorted = rows.sorted { ($0.timestamp, $0.client) < ($1.timestamp, $1.client) }
        return (RowList(total: total, rows: Array(sorted.prefix(limit))), verbs.list(rows: limit))
    }
}

extension APIServerAnalysis {
    /// A connection's two ends as the rows name them; `key` names its client in `byClient`;
    /// `connection` is its id (`tcp.flows`).
    struct Ends {
        var client: String
        var server: String
        var pod: String?
        var key: String
        var connection: String
    }

    /// The requests of one connection's HTTP/1.1 conversation. `ending`: how the connection
    /// ended, for requests left without a response (those of a connection still open when
    /// the capture ended are not errors: `notSeen`).
    mutating func add(
        _ http: HTTPConversation, decrypted: Bool, _ ends: Ends, captureEnded: Bool, reset: Bool,
        ending: String, _ c: inout Client
    ) {
        if http.lostFraming { section.decryption.lostFraming += 1 }
        requestsDropped += http.dropped
        for (n, r) in http.requests.enumerated() {
            let target = HTTPTarget(method: r.method, target: r.target)
            var row = APIRequestRow()
            (row.client, row.server, row.clientPod) = (ends.client, ends.server, ends.pod)
            row.timestamp = Double(r.start) / 1e9
            (row.method, row.path, row.verb) = (r.method, r.target, target.verb)
            (row.resource, row.subresource, row.namespace) = (target.resource, target.subresource, target.namespace)
            (row.decrypted, row.userAgent, row.retryAfter) = (decrypted, r.userAgent, r.retryAfter)
            let sent = r.end ?? r.start
            let latency = r.firstByte.map { $0 - sent }
            row.latency = latency.map { Double($0) / 1e9 }
            row.lastByteLatency = r.lastByte.map { Double($0 - sent) / 1e9 }
            if r.isWatch {
                section.watches += 1
                row.watchEnd = r.watchExpired ? "expired" : r.lastByte != nil ? "closed" : reset ? "reset" : "captureEnd"
            }
            row.status = r.status
            row.grpcStatus = r.grpcStatus
            (row.stream, row.requestBytes, row.responseBytes) = (r.stream.map(Int.init), r.requestBytes, r.responseBytes)
            if http.isHTTP2 { row.httpVersion = "HTTP/2" }
            requests.add(
                row, recordId: "http-" + ends.connection + "-" + String(n + 1), key: target.key,
                latency: row.status == nil ? nil : latency, limit: rows)
            guard let status = r.status, let l = latency else {
                if r.reset {
                    c.errors += 1
                    unanswered(
                        ends.client, ends.server, ends.pod, at: r.start,
                        "stream reset before the response to \(r.method) \(r.target)")
                } else if captureEnded {
                    section.notSeen.requests += 1
                } else {
                    c.errors += 1
                    unanswered(
                        ends.client, ends.server, ends.pod, at: r.start,
                        "\(ending) before the response to \(r.method) \(r.target)")
                }
                continue
            }
            c.exchanges += 1
            section.exchanges += 1
            c.latency.record(nanoseconds: l)
            self.latency.record(nanoseconds: l)
            if status == 429 { section.errors.throttled += 1 }
            if status >= 500 {
                requests.churn.error(at: r.start)
                section.errors.serverErrors += 1
                c.errors += 1
            }
            var slow = APIExchangeRow()
            (slow.client, slow.server, slow.clientPod) = (ends.client, ends.server, ends.pod)
            (slow.timestamp, slow.latency) = (row.timestamp, Double(l) / 1e9)
            (slow.method, slow.path, slow.status, slow.decrypted) = (r.method, r.target, status, decrypted)
            slowest.offer(Slowest(row: slow))
            if metrics != nil {
                let f = metrics!.family(
                    MetricNames.apiRequests.0, MetricNames.apiRequests.1, .histogram, bounds: MetricNames.seconds)
                metrics!.observe(f, [("client", ends.key)], at: r.start, Double(l) / 1e9)
            }
        }
    }
}
