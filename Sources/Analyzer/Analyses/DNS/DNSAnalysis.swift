import CaptureFormats
import Dissectors
import Reports

/// DNS over UDP: messages counted, queries matched to responses as tshark does (per
/// conversation and ID, latest transaction first), latency from the first query.
struct DNSAnalysis {
    /// A query is a retransmission of the pending one with the same conversation and ID when
    /// it comes within this (tshark's dns.retransmission_timer default, 5 s).
    var retransmissionTimeout: Int64 = 5_000_000_000
    /// Pending transactions kept at most (a flood of unanswered queries is counted, not kept).
    static let maximumPending = 200_000

    struct Key: Hashable {
        var flow: FlowKey
        var id: UInt16
    }

    struct Transaction {
        var timestamp: Timestamp
        var time: Int64
        var client: String
        var server: String
        var transport: String
        var id: UInt16
        var qname: String
        var qtype: UInt16
        var answered = false
        var rcode: UInt16?
        var latency: Int64?
    }

    private var latest: [Key: Transaction] = [:]
    /// DNS-over-TCP connections in progress: low->high and high->low decoders.
    private var tcpStreams: [FlowKey: (DNSStreamDirection, DNSStreamDirection)] = [:]
    private(set) var reassemblyBudget = ReassemblyBudget()
    private(set) var queries = 0
    private(set) var responses = 0
    private(set) var transactions = 0
    private(set) var retransmissions = 0
    private(set) var duplicateResponses = 0
    private(set) var responsesWithoutQuery = 0
    private(set) var truncatedResponses = 0
    private(set) var malformed = 0
    private(set) var droppedPending = 0
    private(set) var rcodes: [String: Int] = [:]
    private(set) var qtypes: [String: Int] = [:]
    private(set) var latency = LatencyHistogram()
    private(set) var unanswered = 0
    private(set) var worst: TopK<Transaction>
    private var lastSweep: Int64 = .min
    var searchPath = SearchPathDetector()
    /// Latency and outcomes per server, client and query name (bounded key counts).
    private(set) var byServer = DNSGroups(limit: 64)
    private(set) var byClient = DNSGroups(limit: 512)
    private(set) var byName = DNSGroups(limit: 1024)
    /// Names answered NXDOMAIN and SERVFAIL, counted (bounded).
    private(set) var nxdomainNames = BoundedCounter(limit: 10_000)
    private(set) var servfailNames = BoundedCounter(limit: 10_000)

    init(rows: Int) { worst = TopK(capacity: rows) }

    /// One DNS message carried over UDP in `frame`.
    mutating func message(_ frame: DecodedFrame, time: Int64, timestamp: Timestamp?, key: FlowKey, fromLow: Bool) {
        message(frame.payload, source: frame.source, sourcePort: frame.sourcePort, destination: frame.destination,
                destinationPort: frame.destinationPort, transport: "udp", time: time, timestamp: timestamp, key: key)
    }

    /// One segment of a TCP connection on port 53: reassembled per direction, then framed.
    mutating func tcpSegment(_ frame: DecodedFrame, time: Int64, timestamp: Timestamp?, key: FlowKey, fromLow: Bool) {
        var streams = tcpStreams[key] ?? (DNSStreamDirection(), DNSStreamDirection())
        if frame.tcpFlags.contains(.syn) && !frame.tcpFlags.contains(.ack) && tcpStreams[key] != nil {
            streams = (DNSStreamDirection(), DNSStreamDirection())  // a new connection on the same 5-tuple
        }
        var forward = fromLow ? streams.0 : streams.1
        var reverse = fromLow ? streams.1 : streams.0
        var reassembler = forward.reassembler
        var framer = forward.framer
        var budget = reassemblyBudget
        let source = frame.source, sourcePort = frame.sourcePort
        let destination = frame.destination, destinationPort = frame.destinationPort
        let payload = UnsafeRawBufferPointer(start: frame.payload.base.baseAddress, count: frame.payload.count)
        reassembler.segment(sequence: frame.sequenceNumber, syn: frame.tcpFlags.contains(.syn), payload: payload,
                            time: time, budget: &budget) { chunk in
            framer.receive(chunk) { bytes, t in
                message(ByteSlice(bytes), source: source, sourcePort: sourcePort, destination: destination,
                        destinationPort: destinationPort, transport: "tcp", time: t, timestamp: timestamp, key: key)
            }
        }
        forward.reassembler = reassembler
        forward.framer = framer
        if frame.tcpFlags.contains(.ack) {
            // Data the peer acknowledged but the capture never showed is a gap now.
            var reverseFramer = reverse.framer
            reverse.reassembler.acknowledged(frame.acknowledgmentNumber, budget: &budget) { chunk in
                reverseFramer.receive(chunk) { bytes, t in
                    message(ByteSlice(bytes), source: destination, sourcePort: destinationPort, destination: source,
                            destinationPort: sourcePort, transport: "tcp", time: t, timestamp: timestamp, key: key)
                }
            }
            reverse.framer = reverseFramer
        }
        reassemblyBudget = budget
        tcpStreams[key] = fromLow ? (forward, reverse) : (reverse, forward)
    }

    private mutating func message(_ payload: ByteSlice, source: IPAddress, sourcePort: UInt16, destination: IPAddress,
                                  destinationPort: UInt16, transport: String, time: Int64, timestamp: Timestamp?,
                                  key: FlowKey) {
        guard let view = try? DNS.View(validating: payload), let m = try? DNS.Message(view) else {
            malformed += 1
            return
        }
        let txKey = Key(flow: key, id: m.id)
        if !m.isResponse {
            queries += 1
            if let t = m.questionType { qtypes[DNS.RecordType.name(t), default: 0] += 1 }
            if let pending = latest[txKey], !pending.answered, time &- pending.time < retransmissionTimeout {
                retransmissions += 1
                return
            }
            if let previous = latest[txKey] { close(previous) }
            guard latest.count < Self.maximumPending else {
                droppedPending += 1
                return
            }
            transactions += 1
            let client = endpoint(source, sourcePort), server = endpoint(destination, destinationPort)
            latest[txKey] = Transaction(timestamp: timestamp ?? .zero, time: time, client: client, server: server,
                                        transport: transport, id: m.id, qname: m.questionName ?? "",
                                        qtype: m.questionType ?? 0)
        } else {
            responses += 1
            rcodes[DNS.rcodeName(m.rcode), default: 0] += 1
            if m.truncated { truncatedResponses += 1 }
            guard var t = latest[txKey] else {
                responsesWithoutQuery += 1
                return
            }
            if t.answered {
                duplicateResponses += 1
                return
            }
            t.answered = true
            t.rcode = m.rcode
            t.latency = time &- t.time
            latency.record(nanoseconds: t.latency!)
            latest[txKey] = t
            searchPath.answered(client: t.client.split(separator: ":").dropLast().joined(separator: ":"),
                                qname: t.qname, queryTime: t.time, nxdomain: m.rcode == 3)
        }
        sweep(now: time)
    }

    /// Transactions whose ID was reused are final; old ones leave memory after the timeout
    /// (a late response then counts as a response without query).
    private mutating func sweep(now: Int64) {
        guard now &- lastSweep > 1_000_000_000 || lastSweep == .min else { return }
        lastSweep = now
        guard latest.count > 10_000 else { return }
        let limit = retransmissionTimeout * 12
        for (k, t) in latest where now &- t.time > limit {
            close(t)
            latest[k] = nil
        }
    }

    private mutating func close(_ t: Transaction) {
        if !t.answered { unanswered += 1 }
        worst.offer(t)
        let server = String(t.server.split(separator: ":").dropLast().joined(separator: ":"))
        let client = String(t.client.split(separator: ":").dropLast().joined(separator: ":"))
        byServer.add(server, t)
        byClient.add(client, t)
        byName.add(t.qname, t)
        if t.rcode == 3 { nxdomainNames.add(t.qname) }
        if t.rcode == 2 { servfailNames.add(t.qname) }
    }

    mutating func finish() {
        tcpStreams.removeAll()
        for t in latest.values { close(t) }
        latest.removeAll()
    }

    /// Directions whose DNS framing a gap broke (messages after it not decoded).
    var tcpStreamsLostToGaps: Int {
        tcpStreams.values.reduce(0) { $0 + ($1.0.framer.lostToGaps ? 1 : 0) + ($1.1.framer.lostToGaps ? 1 : 0) }
    }

    private func endpoint(_ a: IPAddress, _ port: UInt16) -> String { a.endpoint(port: port) }
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
/// new keys are folded into "(other)" so memory stays bounded.
struct DNSGroups {
    struct Group {
        var transactions = 0
        var unanswered = 0
        var errors = 0
        var latency = LatencyHistogram.compact()
    }
    static let other = "(other)"
    let limit: Int
    private(set) var groups: [String: Group] = [:]

    init(limit: Int) { self.limit = limit }

    mutating func add(_ key: String, _ t: DNSAnalysis.Transaction) {
        let k = groups[key] != nil || groups.count < limit ? key : Self.other
        var g = groups[k] ?? Group()
        g.transactions += 1
        if !t.answered { g.unanswered += 1 }
        if let r = t.rcode, r != 0 { g.errors += 1 }
        if let l = t.latency { g.latency.record(nanoseconds: l) }
        groups[k] = g
    }
}

/// Counts per key, at most `limit` distinct keys (then "(other)").
struct BoundedCounter {
    let limit: Int
    private(set) var counts: [String: Int] = [:]
    init(limit: Int) { self.limit = limit }
    mutating func add(_ key: String) {
        let k = counts[key] != nil || counts.count < limit ? key : DNSGroups.other
        counts[k, default: 0] += 1
    }
}
