import CaptureFormats
import Dissectors
import Reports

/// TLS over TCP for a whole pass: connections are examined by `TLSDetector`; a TLS one gets
/// a `TLSSession` (found through the TCP analysis slot of its flow, so the hot path costs an
/// array read for every other connection), folded into the section's counts when the flow
/// ends. A connection whose examined segment begins cleartext HTTP instead
/// (`PlainHTTPStream.clientIsSender`) is read by `plain`, and its requests join the decrypted
/// ones in the `http` section. Memory: live sessions and HTTP connections, their reassembly
/// (bounded by `budget`), and the bounded lists.
struct TLSAnalysis {
    /// Per TCP analysis slot: its session or cleartext HTTP connection, or how many payload
    /// segments were examined. One Int32 holds either (8 bytes a slot, as before cleartext
    /// HTTP: the table has a slot per live TCP connection): a session's index (0 or more),
    /// none (-1), or a cleartext connection's index `i` as `-2 - i`.
    private struct Slot {
        var session: Int32 = -1
        var examined: UInt8 = 0

        var plain: Int32 {
            get { session <= -2 ? -2 - session : -1 }
            set { session = -2 - newValue }
        }
    }

    private var slots: [Slot] = []
    private var sessions: [TLSSession] = []
    private var free: [Int32] = []
    private(set) var budget = ReassemblyBudget()
    /// Sessions `settle` folded.
    private(set) var settled = 0
    private let certificates = CertificateCache()
    let rows: Int
    private(set) var section = TLSSection()
    private var versions: [String: Int] = [:]
    private var serverNames: BoundedCounter<String>
    private var alerts: [String: Int] = [:]
    private var handshakeLatency = LatencyHistogram()
    private var helloLatency = LatencyHistogram()
    private var byServerName: TLSGroups
    private var byServer: TLSGroups
    private var listed: TopK<Listed>
    private var fingerprints = TLSFingerprintCache()
    var quic = QUICAnalysis()
    /// TLS secrets: connections whose ClientHello random it holds are decrypted.
    var keyLog = TLSKeyLog()
    /// The requests decrypted and cleartext connections carried (the `http` section).
    private(set) var services: HTTPServices
    /// Cleartext HTTP connections being read.
    private(set) var plain = PlainHTTPConnections()

    /// A capture's Decryption Secrets Blocks: the TLS key logs among them (type "TLSK").
    mutating func addSecrets(_ secrets: ArraySlice<DecryptionSecret>) {
        for s in secrets where s.type == 0x544C_534B { keyLog.add(bytes: s.data) }
    }

    /// When set, every session's exchange latencies by "client -> server" (tests only).
    var exchangeTrace: [String: [Int64]]?

    static let malformedExamplesKept = 10

    /// A finished session's row, with what ranks it (failed first, then first seen).
    struct Listed: Ranked {
        var failed: Bool
        var serial: Int
        var row: TLSSessionRow
        static func ranksBelow(_ a: Listed, _ b: Listed) -> Bool {
            a.failed != b.failed ? !a.failed : a.serial > b.serial
        }
    }

    init(rows: Int) {
        self.rows = rows
        serverNames = BoundedCounter(limit: max(rows, 1000))
        byServerName = TLSGroups(limit: max(rows, 1000))
        byServer = TLSGroups(limit: max(rows, 1000))
        listed = TopK(capacity: rows)
        services = HTTPServices(rows: rows)
    }

    /// One TCP segment of the connection in analysis slot `slot`.
    /// `clientFromSYN`: the flow's client is known from its SYN (else it is a guess, and a TLS
    /// port on one side says better which is the server).
    mutating func segment(
        _ frame: DecodedFrame, slot: Int32, fromLow: Bool, clientIsLow: Bool, clientFromSYN: Bool,
        time: Int64
    ) {
        let index = Int(slot)
        // A segment without payload changes nothing here: the slots grow only for connections
        // that carried bytes, so a flood of bare SYNs leaves them (and every flow's end) alone.
        guard index < slots.count || frame.payload.count > 0 else { return }
        if index >= slots.count { slots.append(contentsOf: repeatElement(Slot(), count: index - slots.count + 1)) }
        var session = slots[index].session
        if session < 0 {  // no TLS session: none yet, or a cleartext HTTP connection
            let payload = frame.payload
            if slots[index].plain >= 0 {
                plain.segment(slots[index].plain, fromLow: fromLow, frame, time: time, budget: &budget)
                return
            }
            guard payload.count > 0, slots[index].examined < TLSDetector.segmentsExamined else { return }
            slots[index].examined += 1
            guard
                TLSDetector.examine(
                    payload, sourcePort: frame.sourcePort, destinationPort: frame.destinationPort,
                    firstPayload: slots[index].examined == 1) == .tls
            else {
                // A request line or preface is read only on a connection whose handshake was
                // seen; without one the connection is joined at the server's first status
                // line (a capture that began mid-connection): one-sided bytes that merely
                // begin "GET " are no HTTP conversation (a flood of them was a hostile capture).
                if let senderIsClient = PlainHTTPStream.clientIsSender(payload), clientFromSYN || !senderIsClient,
                    let p = plain.start(clientIsLow: senderIsClient == fromLow)
                {
                    slots[index].plain = p
                    plain.segment(p, fromLow: fromLow, frame, time: time, budget: &budget)
                }
                return
            }
            var client = clientIsLow
            if !clientFromSYN {
                let (low, high) = fromLow ? (frame.sourcePort, frame.destinationPort) : (frame.destinationPort, frame.sourcePort)
                if TLSDetector.isTLSPort(low) != TLSDetector.isTLSPort(high) { client = TLSDetector.isTLSPort(high) }
            }
            session = start(clientIsLow: client)
            slots[index].session = session
        }
        let payload = UnsafeRawBufferPointer(start: frame.payload.base.baseAddress, count: frame.payload.count)
        sessions[Int(session)].segment(
            fromLow: fromLow, sequence: frame.sequenceNumber, ack: frame.acknowledgmentNumber,
            flags: frame.tcpFlags, payload: payload, time: time, budget: &budget)
    }

    private mutating func start(clientIsLow: Bool) -> Int32 {
        section.connections += 1
        var fresh = TLSSession(clientIsLow: clientIsLow)
        fresh.certificates = certificates
        if exchangeTrace != nil { fresh.exchanges.trace = [] }
        if !keyLog.isEmpty { fresh.decrypt(with: keyLog) }
        if isPresent(&metrics) { fresh.exchanges.timeline = [] }
        if let reused = free.popLast() {
            sessions[Int(reused)] = fresh
            return reused
        }
        sessions.append(fresh)
        return Int32(sessions.count - 1)
    }

    /// Per-pod figures and names for rows, when the pass has cluster metadata.
    var podStats: PodStats?
    var directory: PodDirectory?
    var metrics: MetricsRecorder?
    /// `--format ndjson`: every session as a record when its connection ends.
    var records: RecordWriter?

    /// The closed connection in `flow` has been quiet for a while (see `FlowSinks.settle`):
    /// its session is folded now, as the flow's end would fold it, unless a segment is
    /// still missing. The slot is then marked examined, so a late retransmission of the
    /// connection is neither analysed nor taken for a new session, and the flow's end
    /// finds no session. Why: the flow is held 60 s after the close for late
    /// retransmissions, and its session (about 2 KB with the hellos) with it; on a busy
    /// node those closed sessions were most of the TLS memory (measured: 4,500 live
    /// sessions on the standard workload, all closed). Returns whether a session was folded, and
    /// its API-server view when `apiView`.
    mutating func settle(_ flow: Flow, owners: () -> FlowOwners?, apiView: Bool) -> (had: Bool, view: TLSSession.APIView?) {
        let index = Int(flow.analysisSlot)
        guard index >= 0, index < slots.count else { return (false, nil) }
        let s = slots[index].session
        guard s >= 0, sessions[Int(s)].isSettled else { return (false, nil) }
        let result = finish(flow, owners: owners(), apiView: apiView)
        slots[index].examined = UInt8(TLSDetector.segmentsExamined)
        settled += 1
        return result
    }

    /// The flow ended: fold its session (if it was TLS) into the section and free the slot.
    mutating func finish(_ flow: Flow, owners: FlowOwners? = nil) {
        finish(flow, owners: owners, apiServer: false) { _ in }
    }

    /// At a flow's end: whether it had a session, and the session's API-server view when
    /// `apiView` (the view is all the pass reads: a `TLSSession?` of a kilobyte returned
    /// from here would be copied on every flow's end).
    mutating func finish(_ flow: Flow, owners: FlowOwners?, apiView: Bool) -> (had: Bool, view: TLSSession.APIView?) {
        var result: (had: Bool, view: TLSSession.APIView?) = (false, nil)
        finish(flow, owners: owners, apiServer: apiView) { result = (true, apiView ? $0.apiView : nil) }
        return result
    }

    /// Folds the flow's session, if any, and lends it to `body` before it is dropped.
    /// `apiServer`: the flow is the API server's, whose requests the API-server analysis
    /// writes as records.
    private mutating func finish(_ flow: Flow, owners: FlowOwners?, apiServer: Bool, _ body: (borrowing TLSSession) -> Void) {
        let index = Int(flow.analysisSlot)
        guard index >= 0, index < slots.count else { return }
        let (s, p) = (slots[index].session, slots[index].plain)
        slots[index] = Slot()
        if p >= 0 { foldPlain(plain.finish(p, budget: &budget), flow, owners, apiServer: apiServer) }
        guard s >= 0 else { return }
        // Moved out, not copied: a copy retained every array and string the session holds.
        var session = TLSSession(clientIsLow: true)
        swap(&session, &sessions[Int(s)])
        session.finish(budget: &budget)
        fold(session, flow, owners, apiServer: apiServer)
        free.append(s)
        body(session)
    }

    private mutating func fold(_ s: TLSSession, _ flow: Flow, _ owners: FlowOwners?, apiServer: Bool) {
        let (low, high) = (
            flow.key.lowAddress.endpoint(port: flow.key.lowPort),
            flow.key.highAddress.endpoint(port: flow.key.highPort)
        )
        let (client, server) = s.clientIsLow ? (low, high) : (high, low)
        let failure = TLSFailure.of(s)
        let (clientOwner, serverOwner) = owners?.of(clientIsLow: s.clientIsLow) ?? (nil, nil)
        let done = s.handshakeDone
        let latency = s.clientHelloTime.flatMap { start in done.map { $0 - start } }
        let hello = s.clientHelloTime.flatMap { start in s.serverHelloTime.map { $0 - start } }
        if let trace = s.exchanges.trace { exchangeTrace?[client + " -> " + server] = trace }
        section.malformed += s.malformed
        if let error = s.firstError, section.malformedExamples.count < Self.malformedExamplesKept {
            section.malformedExamples.append("\(client) -> \(server): " + error.description(offsetLabel: "stream byte"))
        }
        for a in s.alerts { alerts[TLS.Alert.name(a.alert.description), default: 0] += 1 }
        if s.clientHelloTime != nil {
            section.handshakes += 1
            let sni = s.clientHello?.serverName
            if let sni { serverNames.add(sni) }
            if let v = s.negotiatedVersion { versions[TLS.versionName(v), default: 0] += 1 }
            if let latency { handshakeLatency.record(nanoseconds: latency); section.completed += 1 }
            if isPresent(&metrics), let latency, let start = s.clientHelloTime {
                let f = metrics!.family(
                    MetricNames.tlsHandshake.0, MetricNames.tlsHandshake.1, .histogram,
                    bounds: MetricNames.seconds)
                metrics!.observe(f, [("server_name", sni ?? "")], at: start, Double(latency) / 1e9)
            }
            if let hello { helloLatency.record(nanoseconds: hello) }
            byServerName.add(sni ?? "(none)", failed: failure != nil, latency: latency, hello: hello)
            byServer.add(server, failed: failure != nil, latency: latency, hello: hello)
            if let owners, isPresent(&podStats) {
                for pod in owners.pods { podStats!.tlsHandshake(pod, failure: failure, latency: latency) }
            }
        }
        if let failure { Self.count(failure, into: &section.failures) }
        if s.decrypted, let http = s.http {
            services.add(
                http, Self.ends(flow, clientIsLow: s.clientIsLow, (clientOwner, serverOwner), directory),
                decrypted: true, connection: { Self.connectionID(flow) }, records: apiServer ? nil : records)
        }
        // Ranked on failure and order alone: the row is built only for a session the list keeps
        // (and, with records, for every one).
        let kept = listed.admits(Listed(failed: failure != nil, serial: flow.serial, row: TLSSessionRow()))
        guard kept || records != nil else { return listed.pass() }
        var row = Self.row(
            s, client: client, server: server, failure: failure, latency: latency, hello: hello,
            fingerprints: &fingerprints)
        row.recordId = "tls-" + Self.connectionID(flow)
        if let directory {
            row.clientPod = clientOwner.map(directory.name)
            row.serverPod = serverOwner.map(directory.name)
        }
        if let records { records.write(RecordLine(record: "tls", recordId: row.recordId ?? "", row: row)) }
        if kept { listed.offer(Listed(failed: failure != nil, serial: flow.serial, row: row)) } else { listed.pass() }
    }

    /// A cleartext HTTP connection's requests into the `http` section.
    private mutating func foldPlain(
        _ c: (http: HTTPConversation, clientIsLow: Bool), _ flow: Flow, _ owners: FlowOwners?,
        apiServer: Bool
    ) {
        let owners = owners?.of(clientIsLow: c.clientIsLow) ?? (nil, nil)
        services.add(
            c.http, Self.ends(flow, clientIsLow: c.clientIsLow, owners, directory), decrypted: false,
            connection: { Self.connectionID(flow) }, records: apiServer ? nil : records)
    }

    /// The flow's ends for the `http` section, client first.
    static func ends(
        _ flow: Flow, clientIsLow: Bool, _ owners: (PodDirectory.Owner?, PodDirectory.Owner?),
        _ directory: PodDirectory?
    ) -> HTTPEnds {
        let low = PodDirectory.Endpoint(address: flow.key.lowAddress, port: flow.key.lowPort)
        let high = PodDirectory.Endpoint(address: flow.key.highAddress, port: flow.key.highPort)
        return HTTPEnds(client: clientIsLow ? low : high, server: clientIsLow ? high : low, owners, directory)
    }

    /// The connection's id, as `tcp.flows` rows and connection records have it.
    static func connectionID(_ flow: Flow) -> String {
        let ends = SummaryRun.endpoints(flow)
        return FlowID.make(
            transport: "tcp", client: ends.client, server: ends.server,
            first: Timestamp(seconds: flow.firstSecond, nanoseconds: flow.firstNanosecond))
    }

    static func count(_ failure: TLSFailure, into f: inout TLSFailureCounts) {
        f.total += 1
        switch failure {
        case .versionMismatch: f.versionMismatch += 1
        case .noCommonParameters: f.noCommonParameters += 1
        case .alert: f.alert += 1
        case .resetAfterClientHello: f.resetAfterClientHello += 1
        case .noServerHello: f.noServerHello += 1
        case .closedDuringHandshake: f.closedDuringHandshake += 1
        }
    }

    static func row(
        _ s: TLSSession, client: String, server: String, failure: TLSFailure?, latency: Int64?,
        hello: Int64?, fingerprints: inout TLSFingerprintCache
    ) -> TLSSessionRow {
        var r = TLSSessionRow()
        r.client = client
        r.server = server
        r.timestamp = s.clientHelloTime.map { SummaryRun.decimal(Self.timestamp($0)) }
        r.sni = s.clientHello?.serverName
        let offered =
            s.clientHello.map { $0.supportedVersions.filter { !JA4.isGREASE($0) }.max() ?? $0.legacyVersion }
            ?? s.sslv2Hello?.version
        r.version = s.negotiatedVersion.map(TLS.versionName)
        r.offeredVersion = offered.map(TLS.versionName)
        r.cipher = s.serverHello.map { TLS.hex($0.cipherSuite) }
        r.alpnOffered = s.clientHello?.alpn ?? []
        r.alpn = s.serverHello?.alpn ?? s.encryptedALPN
        if let h = s.clientHello { (r.ja3, r.ja4) = fingerprints.client(h) }
        r.ja3s = s.firstServerHello.map { fingerprints.server($0) }
        r.resumed = s.resumed
        r.helloRetryRequest = s.helloRetryRequest
        if let c = s.certificate {
            let seen = Double(s.certificateTime ?? 0) / 1e9
            r.certificate = TLSCertificate(
                subject: c.subject, sans: c.subjectAlternativeNames, issuer: c.issuer,
                notBefore: c.notBefore, notAfter: c.notAfter, expired: c.expired(at: seen),
                expiresWithin30Days: c.expiresSoon(at: seen), error: c.error)
        }
        r.alerts = s.alerts.map { TLS.Alert.name($0.alert.description) }
        r.alertRecords = s.alerts.map {
            TLSAlertRecord(
                from: $0.fromClient ? "client" : "server", level: Int($0.alert.level),
                description: Int($0.alert.description), timestamp: SummaryRun.decimal(timestamp($0.time)))
        }
        r.clientHelloToServerHello = hello.map { Double($0) / 1e9 }
        r.handshakeLatency = latency.map { Double($0) / 1e9 }
        r.failure = failure?.rawValue
        r.clientHelloSegments = s.clientHelloSegments
        r.applicationRecordsFromClient = s.applicationDataFromClient
        r.applicationRecordsFromServer = s.applicationDataFromServer
        r.encryptedAlerts = s.encryptedAlerts
        r.exchanges = s.exchanges.count
        r.exchangeLatency = LatencyHistogram.percentiles(of: s.exchanges.samples)
        r.serverRecordsWithoutRequest = s.exchanges.unsolicited
        r.serverPushes = s.exchanges.pushes
        r.requestPendingAtEnd = s.exchanges.open != nil
        return r
    }

    /// The pass clock's nanoseconds as a timestamp (floor division: times before 1970 too).
    static func timestamp(_ nanoseconds: Int64) -> Timestamp {
        var (seconds, rest) = nanoseconds.quotientAndRemainder(dividingBy: 1_000_000_000)
        if rest < 0 { seconds -= 1; rest += 1_000_000_000 }
        return Timestamp(seconds: seconds, nanoseconds: UInt32(rest))
    }

    /// The section, with the live counters folded in (after the pass drained every flow).
    var finalSection: TLSSection {
        var out = section
        out.versions = versions
        out.serverNames = serverNames.counts
        out.alerts = alerts
        out.handshakeLatency = handshakeLatency.percentiles
        out.clientHelloToServerHello = helloLatency.percentiles
        out.sessions = RowList(total: listed.seen, rows: listed.sorted().map(\.row))
        out.byServerName = Self.groupRows(byServerName, rows)
        out.byServer = Self.groupRows(byServer, rows)
        let q = quic.summary
        out.quic = QUICSummary()
        out.quic.packets = q.packets
        out.quic.versions = q.versions
        out.quic.connections = q.connections
        return out
    }

    static func groupRows(_ groups: TLSGroups, _ rows: Int) -> RowList<TLSGroupRow> {
        var keyed = groups.groups.map { ($0.key, $0.value) }
        if let other = groups.other { keyed.append(("(other)", other)) }
        keyed.sort { ($0.1.handshakes, $1.0) > ($1.1.handshakes, $0.0) }
        return RowList(
            total: keyed.count,
            rows: keyed.prefix(rows).map {
                TLSGroupRow(
                    key: $0.0, handshakes: $0.1.handshakes, failures: $0.1.failures,
                    handshakeLatency: $0.1.latency.percentiles, clientHelloToServerHello: $0.1.hello.percentiles)
            })
    }
}
