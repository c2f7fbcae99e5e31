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

    /// Responses are matched by conversation and ID, as tshark does (mDNS responses carry
    /// no question). Two lookups that share a port and an ID with different questions stay
    /// apart: the older moves to `superseded` and a response naming its question finds it.
    /// Pending transactions are found in `DNSPendingTable` (probed on every DNS message);
    /// the rare superseded ones in a `Dictionary` (`FlowKey.hash(into:)`'s one seeded word).
    struct Key: Hashable {
        var flow: FlowKey
        var id: UInt16
    }

    /// A plain value (the name is an id into `names`): copied in and out of the tables
    /// without reference counting.
    struct Transaction {
        var timestamp: Timestamp
        var time: Int64
        var clientAddress: IPAddress
        var clientPort: UInt16
        var serverAddress: IPAddress
        var serverPort: UInt16
        var overTCP: Bool
        var client: String { clientAddress.endpoint(port: clientPort) }
        var server: String { serverAddress.endpoint(port: serverPort) }
        var transport: String { overTCP ? "tcp" : "udp" }
        var id: UInt16
        var qname: DNSNameTable.ID
        var qtype: UInt16
        var answered = false
        var rcode: UInt16?
        var answers = 0
        var latency: Int64?
        /// A TCP retry of a truncated UDP answer: the UDP query's time.
        var fallbackStart: Int64?
    }

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
    /// DNS-over-TCP connections in progress (bounded).
    private(set) var tcpStreams = DNSTCPStreams()
    private(set) var reassemblyBudget: ReassemblyBudget = {
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
            message(payload, source: f.source, sourcePort: f.sourcePort, destination: f.destination,
                    destinationPort: f.destinationPort, overTCP: false, time: f.time, timestamp: f.timestamp, key: f.key,
                    cut: f.cutByCapture)
        }
    }

    /// A TCP segment: reassembled per direction, then framed.
    private mutating func tcpSegment(_ frame: DNSFrame, payload bytes: ByteSlice) {
        let key = frame.key, fromLow = frame.fromLow, time = frame.time, timestamp = frame.timestamp
        let flags = frame.tcpFlags
        guard var connection = tcpStreams.take(key, syn: flags.contains(.syn) && !flags.contains(.ack),
                                               create: bytes.count > 0 || flags.contains(.syn)) else { return }
        let brokenBefore = DNSTCPStreams.broken(connection)
        var forward = fromLow ? connection.low : connection.high
        var reverse = fromLow ? connection.high : connection.low
        var reassembler = forward.reassembler
        var framer = forward.framer
        var budget = reassemblyBudget
        var held = tcpStreams.framingBytes
        let limit = DNSTCPStreams.maximumFramingBytes
        let source = frame.source, sourcePort = frame.sourcePort
        let destination = frame.destination, destinationPort = frame.destinationPort
        let payload = UnsafeRawBufferPointer(start: bytes.base.baseAddress, count: bytes.count)
        reassembler.segment(sequence: frame.sequence, syn: flags.contains(.syn), payload: payload,
                            time: time, budget: &budget) { chunk in
            framer.receive(chunk, held: &held, limit: limit) { bytes, t in
                message(ByteSlice(bytes), source: source, sourcePort: sourcePort, destination: destination,
                        destinationPort: destinationPort, overTCP: true, time: t, timestamp: timestamp, key: key)
            }
        }
        forward.reassembler = reassembler
        forward.framer = framer
        if flags.contains(.ack) {
            // Data the peer acknowledged but the capture never showed is a gap now.
            var reverseFramer = reverse.framer
            reverse.reassembler.acknowledged(frame.acknowledgment, budget: &budget) { chunk in
                reverseFramer.receive(chunk, held: &held, limit: limit) { bytes, t in
                    message(ByteSlice(bytes), source: destination, sourcePort: destinationPort, destination: source,
                            destinationPort: sourcePort, overTCP: true, time: t, timestamp: timestamp, key: key)
                }
            }
            reverse.framer = reverseFramer
        }
        reassemblyBudget = budget
        tcpStreams.framingBytes = held
        if fromLow { (connection.low, connection.high) = (forward, reverse) } else {
            (connection.high, connection.low) = (forward, reverse)
        }
        if flags.contains(.fin) { if fromLow { connection.finFromLow = true } else { connection.finFromHigh = true } }
        let ended = flags.contains(.rst) || (connection.finFromLow && connection.finFromHigh)
        tcpStreams.store(connection, key, ended: ended, gapsBefore: brokenBefore)
    }

    /// `cut`: the capture's snaplen cut the message (counted in `truncatedMessages`, not
    /// `malformed`).
    private mutating func message(_ payload: ByteSlice, source: IPAddress, sourcePort: UInt16, destination: IPAddress,
                                  destinationPort: UInt16, overTCP: Bool, time: Int64, timestamp: Timestamp?,
                                  key: FlowKey, cut: Bool = false) {
        var name = DNSNameTable.ID.overflow
        let view: DNS.View
        do throws(DecodeError) {
            view = try DNS.View(validating: payload)
        } catch {
            // Not even a header: no ID to pair on.
            broken(error, cut: cut, source: source, sourcePort: sourcePort, destination: destination,
                   destinationPort: destinationPort, overTCP: overTCP, timestamp: timestamp)
            return
        }
        // The header's facts stand whatever follows them (tshark pairs such messages too).
        let (m, failure) = DNS.Message.headerFirst(view, keepingName: false)
        if let failure {
            broken(failure, cut: cut, source: source, sourcePort: sourcePort, destination: destination,
                   destinationPort: destinationPort, overTCP: overTCP, timestamp: timestamp)
        }
        // A response's name matters only against a superseded lookup (rare): otherwise
        // it is matched by conversation and ID, and its name is never read.
        if let at = m.questionNameOffset, !m.isResponse || !superseded.isEmpty,
           let interned = try? DNS.withPresentationName(view.bytes, at: at, { bytes in
               bytes.isEmpty ? names.intern(".") : names.intern(bytes)  // the root reads "."
           }) {
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
            var t = Transaction(timestamp: timestamp ?? .zero, time: time, clientAddress: source,
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
               !(latest[txKey].map { sameQuestion($0, m, name) } ?? false) {
                // The response answers a superseded lookup.
                var t = aside.remove(at: i)
                t.answered = true
                t.rcode = m.rcode
                t.answers = m.answers
                t.latency = time &- t.time
                latency.record(nanoseconds: t.latency!)
                answered(t, truncated: m.truncated, now: time)
                searchPath.answered(client: t.clientAddress, qname: t.qname, names: names, queryTime: t.time,
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
            // In place: one hash, no copy of the transaction in and out.
            let elapsed = time &- latest[at: index].time
            latest[at: index].answered = true
            latest[at: index].rcode = m.rcode
            latest[at: index].answers = m.answers
            latest[at: index].latency = elapsed
            latency.record(nanoseconds: elapsed)
            answered(latest[at: index], truncated: m.truncated, now: time)
            searchPath.answered(client: latest[at: index].clientAddress, qname: latest[at: index].qname,
                                names: names, queryTime: latest[at: index].time, nxdomain: m.rcode == 3)
        }
        sweep(now: time)
    }

    /// A message that did not decode whole: counted (cut by the capture, or malformed), the
    /// first few named with where and what failed.
    private mutating func broken(_ error: DecodeError, cut: Bool, source: IPAddress, sourcePort: UInt16,
                                 destination: IPAddress, destinationPort: UInt16, overTCP: Bool, timestamp: Timestamp?) {
        let transport = overTCP ? "tcp" : "udp"
        if cut { truncatedMessages += 1 } else { malformed += 1 }
        guard malformedExamples.count < Self.malformedExamplesKept else { return }
        // Offsets are frame bytes over UDP, bytes of the message over TCP.
        malformedExamples.append("\(transport) \(source.endpoint(port: sourcePort)) -> "
            + "\(destination.endpoint(port: destinationPort)) at \(timestamp?.decimalString ?? "?"): "
            + (cut ? "cut by the snapshot length: " : "")
            + error.description(offsetLabel: transport == "udp" ? "frame byte" : "message byte"))
    }

    /// A truncated UDP answer waits for its TCP retry; a retry's answer ends the lookup.
    private mutating func answered(_ t: Transaction, truncated: Bool, now: Int64) {
        if truncated && !t.overTCP {
            fallback.truncatedAnswer(
                TCPFallbackTracker.key(client: t.clientAddress, server: t.serverAddress, qtype: t.qtype,
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

    private mutating func close(_ t: Transaction) {
        if !t.answered { unanswered += 1 }
        if metrics != nil { record(t) }
        if let pods, podStats != nil {
            let time = t.timestamp.saturatingNanoseconds
            var counted: Int?
            for address in [t.clientAddress, t.serverAddress] {
                guard case .pod(let p) = pods.resolve(address, at: time), p != counted else { continue }
                podStats!.dnsTransaction(p, answered: t.answered, rcode: t.rcode, latency: t.latency)
                counted = p
            }
        }
        worst.offer(t)
        byServer.add(t.serverAddress, t)
        byClient.add(t.clientAddress, t)
        byName.add(t.qname, t)
        if t.rcode == 3 { nxdomainNames.add(t.qname) }
        if t.rcode == 2 { servfailNames.add(t.qname) }
    }

    /// What a transaction's labels in Retina's DNS series are made of, one to one: equal
    /// keys, equal labels. The series index is looked up by this, and the label text
    /// (addresses, pod names, the question) is built only for a combination not seen
    /// before, and not at all once the recorder's series bound is reached (the event is
    /// then dropped, as it would be). Building it per transaction was three quarters of a
    /// metrics-format report (measured: 3.3 s against 0.9 s for JSON on 2M packets).
    struct SeriesKey: Hashable {
        var client: IPAddress
        var server: IPAddress
        /// The first pod with the same namespace, name and workload (what the labels show).
        var clientPod: Int?
        var serverPod: Int?
        var qtype: UInt16
        var qname: DNSNameTable.ID
        /// Nil for the requests series.
        var rcode: UInt16?
        var answers: Int
    }

    /// Series indices by key; as many as the recorder has series at most.
    private var seriesCache: [SeriesKey: Int] = [:]
    private var latencySeries: [IPAddress: Int] = [:]
    /// Pod index -> the first pod index with the same labels.
    private var labelPods: [Int: Int] = [:]
    private var labelPodsByName: [String: Int] = [:]
    private var families: (requests: Int?, responses: Int?, latency: Int?)

    /// The pod whose labels an owner shows (nil: "unknown" labels).
    private mutating func labelPod(_ owner: PodDirectory.Owner?) -> Int? {
        guard case .pod(let p)? = owner, let pods else { return nil }
        if let known = labelPods[p] { return known }
        let record = pods.pods[p]
        let name = record.namespace + "\u{1F}" + record.name + "\u{1F}" + record.workload
        let first = labelPodsByName[name] ?? p
        labelPodsByName[name] = first
        labelPods[p] = first
        return first
    }

    /// Retina's DNS series and Loupe's latency histogram for one transaction.
    private mutating func record(_ t: Transaction) {
        let time = t.timestamp.saturatingNanoseconds
        let client = pods?.resolve(t.clientAddress, at: time), server = pods?.resolve(t.serverAddress, at: time)
        var key = SeriesKey(client: t.clientAddress, server: t.serverAddress, clientPod: labelPod(client),
                            serverPod: labelPod(server), qtype: t.qtype, qname: t.qname, rcode: nil, answers: 0)
        // Families are declared in the order they are first used, as before the cache.
        if families.requests == nil {
            families.requests = metrics!.family(MetricNames.dnsRequests.0, MetricNames.dnsRequests.1, .gauge)
        }
        if let s = series(families.requests!, key, t, client, server) { metrics!.add(families.requests!, series: s, at: time) }
        guard let rcode = t.rcode else { return }
        if families.responses == nil {
            families.responses = metrics!.family(MetricNames.dnsResponses.0, MetricNames.dnsResponses.1, .gauge)
        }
        key.rcode = rcode
        key.answers = t.answers
        if let s = series(families.responses!, key, t, client, server) {
            metrics!.add(families.responses!, series: s, at: time &+ (t.latency ?? 0))
        }
        if let latency = t.latency {
            if families.latency == nil {
                families.latency = metrics!.family(MetricNames.dnsLatency.0, MetricNames.dnsLatency.1, .histogram,
                                                   bounds: MetricNames.seconds)
            }
            let f = families.latency!
            var s = latencySeries[t.serverAddress]
            if s == nil, let new = metrics!.series(f, [("server", t.serverAddress.text)]) {
                latencySeries[t.serverAddress] = new
                s = new
            }
            if let s { metrics!.observe(f, series: s, at: time, Double(latency) / 1e9) }
        }
    }

    /// The series of family `f` for `key`, from the cache or by building its labels.
    private mutating func series(_ f: Int, _ key: SeriesKey, _ t: Transaction, _ client: PodDirectory.Owner?,
                                 _ server: PodDirectory.Owner?) -> Int? {
        if let known = seriesCache[key] { return known }
        guard !metrics!.isFull else {
            metrics!.countDropped()  // new labels past the bound: dropped, as `series` would
            return nil
        }
        // Built in one array of the exact size: the series keeps it.
        var labels: [(String, String)] = []
        labels.reserveCapacity(key.rcode == nil ? 12 : 15)
        if let rcode = key.rcode { labels.append(("return_code", DNS.rcodeName(rcode))) }
        labels.append(("query_type", DNS.RecordType.name(t.qtype)))
        labels.append(("query", names.text(t.qname)))
        if key.rcode != nil {
            // Retina's `response` label carries the answer addresses; Loupe does not keep them
            // per transaction, so it is empty, and `num_response` counts the answer records.
            labels.append(("response", ""))
            labels.append(("num_response", String(key.answers)))
        }
        RetinaLabels.append(.source, t.clientAddress, client, pods, to: &labels)
        RetinaLabels.append(.destination, t.serverAddress, server, pods, to: &labels)
        let s = metrics!.series(f, labels)
        if let s { seriesCache[key] = s }
        return s
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

extension DNSAnalysis.Transaction: Ranked {
    /// Failed first (unanswered, then error rcodes), then slowest, then earliest.
    static func ranksBelow(_ a: Self, _ b: Self) -> Bool {
        func severity(_ t: Self) -> Int { !t.answered ? 2 : (t.rcode ?? 0) != 0 ? 1 : 0 }
        if severity(a) != severity(b) { return severity(a) < severity(b) }
        if (a.latency ?? 0) != (b.latency ?? 0) { return (a.latency ?? 0) < (b.latency ?? 0) }
        if a.timestamp != b.timestamp { return b.timestamp < a.timestamp }
        return (a.qname, a.id) > (b.qname, b.id)
    }
}

/// Per-key DNS outcomes with a compact latency histogram each; past `limit` distinct keys,
/// new keys are folded into "(other)" so memory stays bounded. Every transaction updates
/// three of these (server, client, name), in a `DNSKeyedTable` sized once for `limit` keys
/// (a `Dictionary` also moved groups in and out).
struct DNSGroups<Key: DNSGroupKey> {
    struct Group {
        var transactions = 0
        var unanswered = 0
        var errors = 0
        var latency = CompactLatencyHistogram()
    }
    let limit: Int
    private var table: DNSKeyedTable<Key, Group>
    private(set) var other: Group?

    init(limit: Int) {
        self.limit = limit
        table = DNSKeyedTable(fixedCapacity: limit)
    }

    /// The groups by key, in the order their keys first came.
    var groups: [(key: Key, value: Group)] { zip(table.keys, table.values).map { ($0, $1) } }

    mutating func add(_ key: Key, _ t: DNSAnalysis.Transaction) {
        let probe = table.probe(key)
        if let i = probe.entry {
            Self.count(t, into: &table[i])
            return
        }
        guard table.count < limit else {
            if other == nil { other = Group() }
            Self.count(t, into: &other!)
            return
        }
        Self.count(t, into: &table[table.insert(key, Group(), probe)])
    }

    private static func count(_ t: DNSAnalysis.Transaction, into g: inout Group) {
        g.transactions += 1
        if !t.answered { g.unanswered += 1 }
        if let r = t.rcode, r != 0 { g.errors += 1 }
        if let l = t.latency { g.latency.record(nanoseconds: l) }
    }
}

/// A key of `DNSGroups`: equatable, with a cheap hash mixed with a per-table seed (so a
/// capture cannot be crafted to collide).
protocol DNSGroupKey: Equatable {
    func groupHash(seed: UInt64) -> UInt64
}

extension IPAddress: DNSGroupKey {
    @inline(__always)
    func groupHash(seed: UInt64) -> UInt64 {
        finalizeHash(seed ^ high &* 0x9E37_79B9_7F4A_7C15 ^ (low &+ 0x632B_E59B_D9B4_E019) &* 0xC2B2_AE3D_27D4_EB4F)
    }
}

extension DNSNameTable.ID: DNSGroupKey {
    @inline(__always)
    func groupHash(seed: UInt64) -> UInt64 { finalizeHash(seed ^ UInt64(raw) &* 0x9E37_79B9_7F4A_7C15) }
}

/// Counts per key, at most `limit` distinct keys (then `otherKey`).
struct BoundedCounter<Key: Hashable> {
    let limit: Int
    let otherKey: Key
    private(set) var counts: [Key: Int] = [:]
    init(limit: Int, otherKey: Key) {
        self.limit = limit
        self.otherKey = otherKey
    }
    mutating func add(_ key: Key) {
        if let i = counts.index(forKey: key) {
            counts.values[i] += 1  // one probe for a key already counted (most)
            return
        }
        counts[counts.count < limit ? key : otherKey, default: 0] += 1
    }
}

/// `BoundedCounter` for the DNS thread's keys (a question name's id), in a `DNSKeyedTable`
/// (the NXDOMAIN and SERVFAIL names): the same counts, past `limit` keys new ones going to
/// `otherKey`.
struct BoundedKeyCounter<Key: DNSGroupKey & Hashable> {
    let limit: Int
    let otherKey: Key
    private var table = DNSKeyedTable<Key, Int>()

    init(limit: Int, otherKey: Key) {
        self.limit = limit
        self.otherKey = otherKey
    }

    mutating func add(_ key: Key) {
        var probe = table.probe(key)
        if probe.entry == nil && table.count >= limit { probe = table.probe(otherKey) }
        if let i = probe.entry {
            table[i] += 1
        } else {
            table.insert(table.count < limit ? key : otherKey, 1, probe)
        }
    }

    /// Every key's count.
    var counts: [Key: Int] { Dictionary(uniqueKeysWithValues: zip(table.keys, table.values)) }
}

extension BoundedCounter where Key == String {
    init(limit: Int) { self.init(limit: limit, otherKey: "(other)") }
}

/// Counts by a 16-bit code (rcodes, query types): the codes below 256 (all but rare ones) in
/// an array, the rest in a `Dictionary`. A `Dictionary` alone ran SipHash on every message.
struct CodeCounter {
    private var small = [Int](repeating: 0, count: 256)
    private var large: [UInt16: Int] = [:]

    @inline(__always)
    mutating func add(_ code: UInt16) {
        if code < 256 { small[Int(code)] += 1 } else { large[code, default: 0] += 1 }
    }

    /// Every code counted at least once.
    var counts: [UInt16: Int] {
        var out = large
        for (code, n) in small.enumerated() where n > 0 { out[UInt16(code)] = n }
        return out
    }
}
