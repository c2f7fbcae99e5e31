import CaptureFormats
import Dissectors
import Reports

/// The API-server report: connections to the endpoints the metadata names (service
/// default/kubernetes and its EndpointSlice) or `--api-server` gives, with their TCP
/// handshake RTT, TLS handshake latency and encrypted request/response exchanges, per
/// client pod. Each finished flow is offered once.
struct APIServerAnalysis {
    let endpoints: EndpointSet
    let directory: PodDirectory?
    let rows: Int

    struct Client {
        var connections = 0
        var exchanges = 0
        var errors = 0
        var latency = CompactLatencyHistogram()
        var tcpRTT = CompactLatencyHistogram()
        var tlsLatency = CompactLatencyHistogram()
    }

    var section = APIServerSection()
    var latency = LatencyHistogram()
    private var tcpRTT = LatencyHistogram()
    private var tlsLatency = LatencyHistogram()
    /// By client pod name, or by client address when it is not a known pod.
    private var clients: [String: Client] = [:]
    var slowest: TopK<Slowest>
    /// Requests read in full (`APIServerAnalysis+Requests`).
    var requests = APIRequests()
    private var unmatched: [APIUnmatchedRow] = []
    private var unmatchedTotal = 0
    static let clientLimit = 10_000
    /// Pushed server records (no request open, 10 ms or more after the server's previous
    /// record: not a response's second record, not a session ticket) that make a connection
    /// a watch stream.
    static let watchThreshold = 2

    struct Slowest: Ranked {
        var row: APIExchangeRow
        static func ranksBelow(_ a: Slowest, _ b: Slowest) -> Bool {
            a.row.latency != b.row.latency ? a.row.latency < b.row.latency : a.row.timestamp > b.row.timestamp
        }
    }

    var metrics: MetricsRecorder?

    /// Plain HTTP on connections to the endpoints, by the flow's TCP analysis slot, until the
    /// flow ends: `httpIndex[slot]` is one more than the state's place in `httpStates` (0:
    /// none). A `Dictionary` by flow key hashed every segment of every API-server connection
    /// through SipHash (measured: 3.7% of the pass thread on the standard workload).
    private var httpIndex: [Int32] = []
    private var httpStates: [(slot: Int32, exchanges: HTTPExchanges)] = []
    /// Requests and exchanges held by every state (bounded by `HTTPExchanges.totalLimit`).
    private var httpHeld = 0
    /// Requests and exchanges not kept past those bounds (said in a warning).
    private(set) var httpDropped = 0
    /// Decrypted requests not kept past `HTTP1Conversation.limit` on one connection.
    var requestsDropped = 0

    init(endpoints: Set<PodDirectory.Endpoint>, directory: PodDirectory?, rows: Int) {
        self.endpoints = EndpointSet(endpoints)
        self.directory = directory
        self.rows = rows
        slowest = TopK(capacity: rows)
        section.endpoints = endpoints.map { $0.address.endpoint(port: $0.port) }.sorted()
    }

    /// Whether the flow's server side is an API-server endpoint: the low end when it is one
    /// (true), the high end (false), or nil.
    func serverIsLow(_ flow: Flow) -> Bool? {
        guard flow.key.ipProtocol == IPProtocol.tcp else { return nil }
        if endpoints.contains(flow.key.lowAddress, flow.key.lowPort) { return true }
        if endpoints.contains(flow.key.highAddress, flow.key.highPort) { return false }
        return nil
    }

    /// A TCP segment with payload: read for plain HTTP when it goes to or from an endpoint.
    /// `slot`: the flow's TCP analysis slot (the TCP analysis has given it one).
    mutating func segment(_ frame: DecodedFrame, slot: Int32, time: Int64) {
        let toServer = endpoints.contains(frame.destination, frame.destinationPort)
        guard toServer || endpoints.contains(frame.source, frame.sourcePort), slot >= 0 else { return }
        let s = Int(slot)
        if s >= httpIndex.count { httpIndex.append(contentsOf: repeatElement(0, count: s - httpIndex.count + 1)) }
        var at = Int(httpIndex[s]) - 1
        if at < 0 {
            httpStates.append((slot, HTTPExchanges()))
            at = httpStates.count - 1
            httpIndex[s] = Int32(httpStates.count)
        }
        httpStates[at].exchanges.segment(
            fromClient: toServer, sequence: frame.sequenceNumber, payload: frame.payload,
            time: time, held: &httpHeld)
    }

    /// The plain HTTP `flow`'s connection carried, taken out: called at every flow's end,
    /// before its TCP analysis slot can serve another connection.
    mutating func takeHTTP(_ flow: Flow) -> HTTPExchanges? {
        let s = Int(flow.analysisSlot)
        guard s >= 0, s < httpIndex.count, httpIndex[s] > 0 else { return nil }
        let at = Int(httpIndex[s]) - 1
        httpIndex[s] = 0
        let last = httpStates.count - 1
        if at != last {
            httpStates.swapAt(at, last)
            httpIndex[Int(httpStates[at].slot)] = Int32(at + 1)
        }
        let exchanges = httpStates.removeLast().exchanges
        httpHeld -= exchanges.held
        return exchanges
    }

    /// Sessions of API-server connections folded by the TLS analysis before their flows
    /// ended (`FlowSinks.settle`), by TCP analysis slot, until `add` takes them.
    private var settled: [Int32: TLSSession.APIView] = [:]

    mutating func settled(_ flow: Flow, _ session: TLSSession.APIView) { settled[flow.analysisSlot] = session }

    /// The view `settled` kept for `flow`'s connection, taken out.
    mutating func takeSettled(_ flow: Flow) -> TLSSession.APIView? {
        settled.isEmpty ? nil : settled.removeValue(forKey: flow.analysisSlot)
    }

    /// `http`: what `takeHTTP` took for the flow.
    /// `resetKind`: how the connection's first RST came (a reset is an error only when the
    /// connection was refused or aborted, or a request or handshake was open); a connection
    /// whose handshake the capture did not see began before it (counted in `notSeen`).
    mutating func add(
        _ flow: Flow, serverIsLow: Bool, owners: FlowOwners?, initialRTT: Int64?, reset: Bool,
        resetKind: TCPResetKind? = nil, handshakeSeen: Bool = true,
        session: TLSSession.APIView?, http: HTTPExchanges?
    ) {
        let k = flow.key
        let client = serverIsLow ? k.highAddress.endpoint(port: k.highPort) : k.lowAddress.endpoint(port: k.lowPort)
        let server = serverIsLow ? k.lowAddress.endpoint(port: k.lowPort) : k.highAddress.endpoint(port: k.highPort)
        let clientOwner = serverIsLow ? owners?.high : owners?.low
        let pod: String? = clientOwner.flatMap { owner in
            if case .pod = owner { return directory?.name(owner) }
            return nil
        }
        let key = pod ?? (serverIsLow ? k.highAddress.text : k.lowAddress.text)
        guard clients[key] != nil || clients.count < Self.clientLimit else { return }
        // Taken out while it is updated: a copy read from the table shares its three
        // histograms' storage with the table's, so the first sample would copy all three
        // (measured: 3.7 MB of copies on 2M packets).
        var c = clients.removeValue(forKey: key) ?? Client()
        c.connections += 1
        section.connections += 1
        if let rtt = initialRTT, rtt > 0 {
            c.tcpRTT.record(nanoseconds: rtt)
            tcpRTT.record(nanoseconds: rtt)
            if metrics != nil {
                // Retina's node-level API-server histograms: the SYN to SYN-ACK round trip, in ms.
                for (name, help) in [MetricNames.apiServerLatency, MetricNames.apiServerHandshake] {
                    let f = metrics!.family(name, help, .histogram, bounds: MetricNames.retinaMilliseconds)
                    metrics!.observe(f, [], at: flow.firstSeen, Double(rtt) / 1e6)
                }
            }
        }
        // A reset is an error when it cut a request or a handshake short; one after every
        // request was answered is how many clients close (unread data makes Linux send RST).
        if !handshakeSeen { section.notSeen.connections += 1 }
        // A capture that ended with the connection still open: its open request's response
        // would come after the capture (not seen, not an error).
        let captureEnded = !flow.isClosed && !reset
        let failedReset = resetKind?.isFailure ?? (session == nil && handshakeSeen)
        if reset && (failedReset || session?.exchanges.open != nil || (session.map { !$0.handshakeDone } ?? false)) {
            section.errors.resets += 1
            requests.churn.error(at: flow.lastSeen)
            c.errors += 1
        }
        if let h = http {
            httpDropped += h.dropped
            section.http.unmatchedResponses += h.unmatchedResponses
            let connection = TLSAnalysis.connectionID(flow)
            for (n, e) in h.exchanges.enumerated() {
                c.exchanges += 1
                section.exchanges += 1
                section.http.exchanges += 1
                section.http.byStatus[String(e.status), default: 0] += 1
                section.http.byMethod[e.request.method, default: 0] += 1
                c.latency.record(nanoseconds: e.latency)
                latency.record(nanoseconds: e.latency)
                var row = APIExchangeRow()
                (row.client, row.server, row.clientPod) = (client, server, pod)
                (row.timestamp, row.latency) = (Double(e.time) / 1e9, Double(e.latency) / 1e9)
                (row.method, row.path, row.status) = (e.request.method, e.request.target, e.status)
                slowest.offer(Slowest(row: row))
                var full = APIRequestRow()
                let target = HTTPTarget(method: e.request.method, target: e.request.target)
                (full.client, full.server, full.clientPod, full.timestamp) = (client, server, pod, row.timestamp)
                (full.method, full.path, full.verb, full.status) = (e.request.method, e.request.target, target.verb, e.status)
                (full.resource, full.subresource, full.namespace) = (target.resource, target.subresource, target.namespace)
                full.latency = row.latency
                requests.add(
                    full, recordId: "http-" + connection + "-" + String(n + 1), key: target.key,
                    latency: e.latency, limit: rows)
                if e.status == 429 { section.errors.throttled += 1 }
                if e.status >= 500 { c.errors += 1; section.errors.serverErrors += 1; requests.churn.error(at: e.time) }
                if metrics != nil {
                    let f = metrics!.family(
                        MetricNames.apiRequests.0, MetricNames.apiRequests.1, .histogram,
                        bounds: MetricNames.seconds)
                    metrics!.observe(f, [("client", key)], at: e.time, Double(e.latency) / 1e9)
                }
            }
            for p in h.unanswered {
                if captureEnded {
                    section.notSeen.requests += 1
                    continue
                }
                c.errors += 1
                unanswered(
                    client, server, pod, at: p.time,
                    (flow.reset ? "connection reset" : flow.isClosed ? "connection closed" : "capture ended")
                        + " before the response to \(p.request.method) \(p.request.target)")
            }
        }
        // The session's handshake: its latency, and a fatal alert or a failure (an error,
        // dated at the flow's start for the error burst).
        func handshake(_ s: TLSSession.APIView) {
            if let latency = s.handshakeLatency {
                c.tlsLatency.record(nanoseconds: latency)
                tlsLatency.record(nanoseconds: latency)
            }
            if s.fatalAlert { section.errors.alerts += 1; c.errors += 1 }
            if s.failed { section.errors.handshakeFailures += 1 }
            if s.fatalAlert || s.failed { requests.churn.error(at: flow.firstSeen) }
        }
        if let s = session, let decrypted = s.http {
            handshake(s)
            section.decryption.connections += 1
            section.decryption.records += s.decryptedRecords
            section.decryption.failedRecords += s.failedRecords
            if s.refusedEarlyData { section.decryption.refusedEarlyData += 1 }
            let end = flow.reset ? "connection reset" : flow.isClosed ? "connection closed" : "capture ended"
            add(
                decrypted, decrypted: true,
                Ends(
                    client: client, server: server, pod: pod, key: key,
                    connection: TLSAnalysis.connectionID(flow)),
                captureEnded: captureEnded, reset: reset, ending: end, &c)
        } else if let s = session {
            if s.notDecrypted { section.decryption.notDecrypted += 1 }
            section.decryption.failedRecords += s.failedRecords
            handshake(s)
            let x = s.exchanges
            c.exchanges += x.count
            section.exchanges += x.count
            section.inferredExchanges += s.mayBeHTTP2 ? x.count : x.inferred
            for l in x.samples {
                c.latency.record(nanoseconds: l)
                latency.record(nanoseconds: l)
            }
            if x.pushes >= Self.watchThreshold { section.watches += 1 }
            for e in x.slowestList {
                var row = APIExchangeRow()
                (row.client, row.server, row.clientPod) = (client, server, pod)
                row.timestamp = Double(e.time) / 1e9
                row.latency = Double(e.latency) / 1e9
                row.inferred = s.mayBeHTTP2 || e.inferred
                slowest.offer(Slowest(row: row))
            }
            if metrics != nil {
                let f = metrics!.family(
                    MetricNames.apiRequests.0, MetricNames.apiRequests.1, .histogram,
                    bounds: MetricNames.seconds)
                for e in x.timeline ?? [] { metrics!.observe(f, [("client", key)], at: e.time, Double(e.latency) / 1e9) }
                if let open = x.open {
                    let n = metrics!.family(MetricNames.apiServerNoResponse.0, MetricNames.apiServerNoResponse.1, .gauge)
                    metrics!.add(n, [], at: open)
                }
            }
            if x.open != nil && captureEnded {
                section.notSeen.requests += 1
            } else if let open = x.open {
                c.errors += 1
                unanswered(
                    client, server, pod, at: open,
                    s.reset
                        ? "connection reset with a request open"
                        : flow.isClosed
                            ? "no response before the connection closed"
                            : "no response before the capture ended")
            }
        }
        clients[key] = c
    }

    /// A request that got no response: counted, and listed (up to `rows`) with its reason.
    mutating func unanswered(_ client: String, _ server: String, _ pod: String?, at time: Int64, _ reason: String) {
        section.errors.noResponse += 1
        requests.churn.error(at: time)
        unmatchedTotal += 1
        guard unmatched.count < rows else { return }
        var row = APIUnmatchedRow()
        (row.client, row.server, row.clientPod) = (client, server, pod)
        row.timestamp = Double(time) / 1e9
        row.reason = reason
        unmatched.append(row)
    }

    var finalSection: APIServerSection {
        var out = section
        out.latency = latency.percentiles
        out.tcpHandshakeRtt = tcpRTT.percentiles
        out.tlsHandshakeLatency = tlsLatency.percentiles
        out.slowest = RowList(total: section.exchanges, rows: slowest.sorted().map(\.row))
        out.unmatched = RowList(total: unmatchedTotal, rows: unmatched)
        (out.requests, out.byVerb) = requests.lists(rows: rows)
        requests.churn.write(into: &out, rows: rows)
        let all = clients.map { key, c -> APIClientRow in
            var row = APIClientRow()
            if let slash = key.firstIndex(of: "/") {
                row.namespace = String(key[..<slash])
                row.name = String(key[key.index(after: slash)...])
            } else {
                row.name = key
            }
            row.connections = c.connections
            row.exchanges = c.exchanges
            row.errors = c.errors
            row.latency = c.latency.percentiles
            row.tcpHandshakeRtt = c.tcpRTT.percentiles
            row.tlsHandshakeLatency = c.tlsLatency.percentiles
            return row
        }.sorted { ($0.exchanges, $1.namespace, $1.name) > ($1.exchanges, $0.namespace, $0.name) }
        out.byClient = Array(all.prefix(rows))
        out.byClientOmitted = all.count - out.byClient.count
        return out
    }
}
