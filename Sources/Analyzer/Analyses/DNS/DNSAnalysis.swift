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
        var id: UInt16
        var qname: String
        var qtype: UInt16
        var answered = false
        var rcode: UInt16?
        var latency: Int64?
    }

    private var latest: [Key: Transaction] = [:]
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

    init(rows: Int) { worst = TopK(capacity: rows) }

    mutating func message(_ frame: DecodedFrame, time: Int64, timestamp: Timestamp?, key: FlowKey, fromLow: Bool) {
        guard let view = try? DNS.View(validating: frame.payload), let m = try? DNS.Message(view) else {
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
            let client = endpoint(frame.source, frame.sourcePort), server = endpoint(frame.destination, frame.destinationPort)
            latest[txKey] = Transaction(timestamp: timestamp ?? .zero, time: time, client: client, server: server,
                                        id: m.id, qname: m.questionName ?? "", qtype: m.questionType ?? 0)
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
    }

    mutating func finish() {
        for t in latest.values { close(t) }
        latest.removeAll()
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
