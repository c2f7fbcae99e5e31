import CaptureFormats
import DequeModule
import Dissectors
import Reports

/// DNS over UDP: messages counted, queries matched to responses as tshark does (per
/// conversation and ID, latest transaction first), latency from the first query.
struct DNSAnalysis {
    /// A query is a retransmission of the pending one with the same conversation and ID when
    /// it comes within this (tshark's dns.retransmission_timer default, 5 s).
    var retransmissionTimeout: Int64 = 5_000_000_000
    /// Pending transactions kept at most (a flood of unanswered queries is counted, not kept).
    static let maximumPending = MemoryBudget.dnsPending

    private var latest = DNSPendingTable()
    private(set) var superseded = DNSSupersededLookups()
    /// Lookups set aside at most (see `DNSSupersededLookups`).
    static let maximumSuperseded = 10_000
    /// Transactions in query order, for expiry without scanning the table: answered ones
    /// leave after the retransmission timer; unanswered ones move to `waiting`, checked
    /// against the longer limit. Entries removed or replaced since are skipped.
    private var byAge = Deque<(time: Int64, handle: DNSPendingTable.Handle)>()
    private var waiting = Deque<(time: Int64, handle: DNSPendingTable.Handle)>()
    /// How many expiries ahead `sweep` starts loading an entry, and its index slot half as
    /// far ahead (the slot's address is read from the entry).
    private static let expiryPrefetch = 16
    /// DNS-over-TCP connections in progress (bounded), and their reassembly's bytes: kept
    /// by `tcpSegment` (`DNSAnalysis+TCP.swift`).
    var tcpStreams = DNSTCPStreams()
    var reassemblyBudget: ReassemblyBudget = {
        var b = ReassemblyBudget()
        b.totalLimit = MemoryBudget.dnsStreamBytes
        return b
    }()
    private(set) var queries = 0
    private(set) var responses = 0
    private(set) var transactions = 0
    private(set) var retransmissions = 0
    private(set) var duplicateResponses = 0
    private(set) var responsesWithoutQuery = 0
    private(set) var truncatedResponses = 0
    private(set) var malformed = 0
    /// Messages the capture's snaplen cut short (their header's facts still count).
    private(set) var truncatedMessages = 0
    /// The first malformed messages: where and what failed.
    private(set) var malformedExamples: [String] = []
    static let malformedExamplesKept = 10
    private(set) var droppedPending = 0
    /// Counted by code; named for the report.
    private var rcodeCounts = CodeCounter()
    private var qtypeCounts = CodeCounter()
    var rcodes: [String: Int] {
        Dictionary(rcodeCounts.counts.map { (DNS.rcodeName($0.key), $0.value) }, uniquingKeysWith: +)
    }
    var qtypes: [String: Int] {
        Dictionary(qtypeCounts.counts.map { (DNS.RecordType.name($0.key), $0.value) }, uniquingKeysWith: +)
    }
    /// Question names, interned.
    private(set) var names: DNSNameTable
    private(set) var latency = LatencyHistogram()
    private(set) var unanswered = 0
    private(set) var worst: TopK<Transaction>
    private var lastSweep: Int64 = .min
    var searchPath = SearchPathDetector()
    private(set) var fallback = TCPFallbackTracker()
    /// Latency and outcomes per server, client and query name (bounded key counts).
    private(set) var byServer = DNSGroups<IPAddress>(limit: 64)
    private(set) var byClient = DNSGroups<IPAddress>(limit: 512)
    private(set) var byName = DNSGroups<DNSNameTable.ID>(limit: 1024)
    /// Names answered NXDOMAIN and SERVFAIL, counted (bounded).
    private(set) var nxdomainNames = BoundedKeyCounter(limit: 10_000, otherKey: DNSNameTable.ID.other)
    private(set) var servfailNames = BoundedKeyCounter(limit: 10_000, otherKey: DNSNameTable.ID.other)

    init(rows: Int, names: Int = 1 << 18) {
        worst = TopK(capacity: rows)
        self.names = DNSNameTable(capacity: names)
    }

    /// Starts loading what a UDP message of conversation `key` with ID `id` will probe
    /// (mutating: reached in place through the worker, not copied).
    @inline(__always)
    mutating func prefetch(key: FlowKey, id: UInt16) { latest.prefetch(Key(flow: key, id: id)) }

    /// One frame of DNS: a message over UDP, or a segment of a TCP connection on port 53.
    mutating func receive(_ f: DNSFrame, payload: ByteSlice) {
        if f.overTCP {
            tcpSegment(f, payload: payload)
        } else {
            message(
                payload, source: f.source, sourcePort: f.sourcePort, destination: f.destination,
                destinationPort: f.destinationPort, overTCP: false, time: f.time, timestamp: f.timestamp, key: f.key,
                cut: f.cutByCapture)
        }
    }

    /// `cut`: the capture's snaplen cut the message (counted in `truncatedMessages`, not
    /// `malformed`).
    mutating func message(
        _ payload: ByteSlice, source: IPAddress, sourcePort: UInt16, destination: IPAddress,
        destinationPort: UInt16, overTCP: Bool, time: Int64, timestamp: Timestamp?,
        key: FlowKey, cut: Bool = false
    ) {
        var name = DNSNameTable.ID.overflow
        let view: DNS.View
        do throws(DecodeError) {
            view = try DNS.View(validating: payload)
        } catch {
            // Not even a header: no ID to pair on.
            broken(
                error, cut: cut, source: source, sourcePort: sourcePort, destination: destination,
                destinationPort: destinationPort, overTCP: overTCP, timestamp: timestamp)
            return
        }
        // The header's facts stand whatever follows them (tshark pairs such messages too).
        let (m, failure) = DNS.Message.headerFirst(view, keepingName: false)
        if let failure {
            broken(
                failure, cut: cut, source: source, sourcePort: sourcePort, destination: destination,
                destinationPort: destinationPort, overTCP: overTCP, timestamp: timestamp)
        }
        // A response's name matters only against a superseded lookup (rare): never read otherwise.
        if let at = m.questionNameOffset, !m.isResponse || !superseded.isEmpty,
            let interned = try? DNS.withPresentationName(
                view.bytes, at: at,
                { bytes in
                    bytes.isEmpty ? names.intern(".") : names.intern(bytes)  // the root reads "."
                })
        {
            name = interned.0
        } else if !m.isResponse {
            name = names.intern("")  // no question (or none that parsed): the empty name
        }
        let txKey = Key(flow: key, id: m.id)
        if !m.isResponse {
            queries += 1
            if let t = m.questionType { qtypeCounts.add(t) }
            // One probe of the table for the whole query (the earlier lookup with this key, if
            // any, is replaced in place): it is probed on every message.
            var slot = latest.index(forKey: txKey)
            if let i = slot {
                let pending = latest[at: i]
                // A retransmission repeats the pending query: same conversation, ID and question.
                if !pending.answered, time &- pending.time < retransmissionTimeout {
                    // mDNS queries all carry ID 0 (RFC 6762 18.1), so there a shared ID says
                    // nothing and Loupe does as tshark: the later query is a retransmission.
                    let multicastDNS = key.lowPort == 5353 || key.highPort == 5353
                    if multicastDNS || sameQuestion(pending, m, name) {
                        retransmissions += 1
                        return
                    }
                    // Same ID, other question: a different lookup; keep the pending one findable.
                    if let closing = superseded.setAside(pending, key: txKey) { close(closing) }
                    _ = latest.remove(at: i)
                    slot = nil
                } else {
                    // The earlier lookup with this key is final.
                    close(pending)
                }
            } else if latest.count >= Self.maximumPending {
                droppedPending += 1
                return
            }
            transactions += 1
            var t = Transaction(
                timestamp: timestamp ?? .zero, time: time, clientAddress: source,
                clientPort: sourcePort, serverAddress: destination, serverPort: destinationPort,
                overTCP: overTCP, id: m.id, qname: name, qtype: m.questionType ?? 0)
            if t.overTCP && fallback.isWaiting {
                t.fallbackStart = fallback.tcpQuery(
                    TCPFallbackTracker.key(client: source, server: destination, qtype: t.qtype, qname: names.text(t.qname)),
                    now: time, timeout: retransmissionTimeout)
            }
            let i: Int
            if let slot {
                i = slot
                latest[at: i] = t
            } else {
                i = latest.set(txKey, t)
            }
            byAge.append((time, latest.handle(i)))
        } else {
            responses += 1
            rcodeCounts.add(m.rcode)
            if m.truncated { truncatedResponses += 1 }
            if var aside = superseded[txKey], m.questionNameOffset != nil,
                let i = aside.firstIndex(where: { !$0.answered && sameQuestion($0, m, name) }),
                !(latest[txKey].map { sameQuestion($0, m, name) } ?? false)
            {
                // The response answers a superseded lookup.
                var t = aside.remove(at: i)
                t.answered = true
                t.rcode = m.rcode
                t.answers = m.answers
                t.latency = time &- t.time
                latency.record(nanoseconds: t.latency!)
                if metrics != nil { metricSeries.noteResponse(view, key: txKey) }  // Retina's `response` label
                answered(t, truncated: m.truncated, now: time)
                searchPath.answered(
                    client: t.clientAddress, qname: t.qname, names: names, queryTime: t.time,
                    nxdomain: m.rcode == 3)
                close(t)
                superseded.replace(txKey, with: aside)
                return
            }
            guard let index = latest.index(forKey: txKey) else {
                responsesWithoutQuery += 1
                return
            }
            if latest[at: index].answered {
                duplicateResponses += 1
                return
            }
            let elapsed = time &- latest[at: index].time
            latest[at: index].answered = true
            latest[at: index].rcode = m.rcode
            latest[at: index].answers = m.answers
            latest[at: index].latency = elapsed
            latency.record(nanoseconds: elapsed)
            if metrics != nil { metricSeries.noteResponse(view, key: txKey) }
            answered(latest[at: index], truncated: m.truncated, now: time)
            searchPath.answered(
                client: latest[at: index].clientAddress, qname: latest[at: index].qname,
                names: names, queryTime: latest[at: index].time, nxdomain: m.rcode == 3)
        }
        sweep(now: time)
    }

    /// A message that did not decode whole: counted (cut by the capture, or malformed), the
    /// first few named with where and what failed.
    private mutating func broken(
        _ error: DecodeError, cut: Bool, source: IPAddress, sourcePort: UInt16,
        destination: IPAddress, destinationPort: UInt16, overTCP: Bool, timestamp: Timestamp?
    ) {
        let transport = overTCP ? "tcp" : "udp"
        if cut { truncatedMessages += 1 } else { malformed += 1 }
        guard malformedExamples.count < Self.malformedExamplesKept else { return }
        // Offsets are frame bytes over UDP, bytes of the message over TCP.
        malformedExamples.append(
            "\(transport) \(source.endpoint(port: sourcePort)) -> "
                + "\(destination.endpoint(port: destinationPort)) at \(timestamp?.decimalString ?? "?"): "
                + (cut ? "cut by the snapshot length: " : "")
                + error.description(offsetLabel: transport == "udp" ? "frame byte" : "message byte"))
    }

    /// A truncated UDP answer waits for its TCP retry; a retry's answer ends the lookup.
    private mutating func answered(_ t: Transaction, truncated: Bool, now: Int64) {
        if truncated && !t.overTCP {
            fallback.truncatedAnswer(
                TCPFallbackTracker.key(
                    client: t.clientAddress, server: t.serverAddress, qtype: t.qtype,
                    qname: names.text(t.qname)),
                queryTime: t.time, now: now, timeout: retransmissionTimeout)
        }
        if let start = t.fallbackStart { fallback.retryAnswered(start: start, now: now) }
    }

    /// Transactions whose ID was reused are final; old ones leave memory after the timeout
    /// (a late response then counts as a response without query).
    private mutating func sweep(now: Int64) {
        guard now &- lastSweep > 1_000_000_000 || lastSweep == .min else { return }
        lastSweep = now
        // Answered transactions matter only for duplicate responses and retransmissions,
        // both within the retransmission timer; unanswered ones wait 12 timers for a late
        // response (then a late one counts as a response without query).
        // A second's worth of expiries at once, each a miss to memory on its entry and on
        // its index slot: loaded ahead, so that the misses overlap.
        let ahead = Self.expiryPrefetch
        while let first = byAge.first, now &- first.time > retransmissionTimeout {
            if byAge.count > ahead {
                latest.prefetch(byAge[ahead].handle)
                latest.prefetchSlot(byAge[ahead / 2].handle)
            }
            byAge.removeFirst()
            // Removed or replaced since: that transaction was closed already.
            guard let i = latest.entry(first.handle), latest[at: i].time == first.time else { continue }
            if latest[at: i].answered {
                close(latest.remove(at: i))
            } else {
                waiting.append(first)
            }
        }
        while let first = waiting.first, now &- first.time > retransmissionTimeout * 12 {
            if waiting.count > ahead {
                latest.prefetch(waiting[ahead].handle)
                latest.prefetchSlot(waiting[ahead / 2].handle)
            }
            waiting.removeFirst()
            guard let i = latest.entry(first.handle), latest[at: i].time == first.time else { continue }
            close(latest.remove(at: i))
        }
    }

    /// Frees what only the DNS section reads (names, breakdowns, the slowest list, search-path
    /// state), once the section is built and before its text is written: on a busy node that
    /// text was written while all of it was still held, the DNS thread's highest memory
    /// (measured on 6M packets). The counts, `droppedPending`, `reassemblyBudget`, the name
    /// table's `overflowed` and `podStats` stay for what the report reads after.
    mutating func releaseSectionStorage() {
        names.releaseStorage()
        byServer = DNSGroups(limit: 0)
        byClient = DNSGroups(limit: 0)
        byName = DNSGroups(limit: 0)
        nxdomainNames = BoundedKeyCounter(limit: 0, otherKey: DNSNameTable.ID.other)
        servfailNames = BoundedKeyCounter(limit: 0, otherKey: DNSNameTable.ID.other)
        searchPath = SearchPathDetector(clusterDomain: searchPath.clusterDomain)
        worst = TopK(capacity: 0)
        latest.removeAll()
        superseded.removeAll()
        byAge = []
        waiting = []
        tcpStreams.removeAll()
    }

    /// Per-pod figures (each transaction counts for its client's and its server's pod), when
    /// the pass has cluster metadata.
    var pods: PodDirectory?
    var podStats: PodStats?
    var metrics: MetricsRecorder?
    var metricSeries = DNSMetricSeries()  // Retina's DNS series for `metrics`, with their label caches
    var records: RecordWriter?  // `--format ndjson`: every transaction as a record when it closes

    private mutating func close(_ t: Transaction) {
        if !t.answered { unanswered += 1 }
        if metrics != nil { metricSeries.record(t, into: &metrics!, pods: pods, names: names) }
        if let pods, podStats != nil {
            let time = t.timestamp.saturatingNanoseconds
            var counted: Int?
            for address in [t.clientAddress, t.serverAddress] {
                guard case .pod(let p) = pods.resolve(address, at: time), p != counted else { continue }
                podStats!.dnsTransaction(p, answered: t.answered, rcode: t.rcode, latency: t.latency)
                counted = p
            }
        }
        if let records { record(t, records) }
        worst.offer(t)
        byServer.add(t.serverAddress, t)
        byClient.add(t.clientAddress, t)
        byName.add(t.qname, t)
        if t.rcode == 3 { nxdomainNames.add(t.qname) }
        if t.rcode == 2 { servfailNames.add(t.qname) }
    }

    /// Same question: type and name (names compare case-insensitively: resolvers randomise
    /// case, RFC draft "0x20"). `name` is the message's interned question name.
    func sameQuestion(_ t: Transaction, _ m: DNS.Message, _ name: DNSNameTable.ID) -> Bool {
        guard t.qtype == (m.questionType ?? 0), m.questionNameOffset != nil else { return false }
        return names.equalIgnoringCase(t.qname, name)
    }

    /// Closes what is still open in query order, not the tables' (seeded, per-process)
    /// order: the metric series are created in closing order, and past their bound which
    /// ones exist depends on it.
    mutating func finish() {
        byAge.removeAll()
        waiting.removeAll()
        let open = superseded.all + latest.values
        // Positions sorted, not the 128-byte transactions (their moves were most of this sort).
        let order = open.indices.sorted { i, j in
            let a = open[i], b = open[j]
            return (a.time, a.clientAddress, a.clientPort, a.id, a.qname) < (b.time, b.clientAddress, b.clientPort, b.id, b.qname)
        }
        superseded.removeAll()
        tcpStreams.removeAll()
        latest.removeAll()
        for i in order { close(open[i]) }
    }

}
