/// Request/response exchanges on an encrypted stream (the API server's, or any TLS
/// connection's), from record boundaries alone: after the handshake, a client record of type
/// 23 opens a request if none is open; the server's next type-23 record closes it. TLS 1.3's
/// encrypted handshake records are skipped: the server's up to the client's Finished, and the
/// client's Finished itself (the first type-23 record it sends after the ServerHello). The
/// oracle's `tls.app_exchanges` is the same rule. Server data with no request open is counted
/// apart (watch streams, TLS 1.3 session tickets sent after the first response).
///
/// One refinement over the oracle's rule: a server record in a segment whose ACK shows the
/// server had not yet received the whole request cannot be its response (OpenSSL sends TLS
/// 1.3 session tickets when the client's Finished arrives, often after the client's first
/// request has left): it is counted with the unsolicited records instead.
///
/// A second one for TLS 1.3 (`postHandshake`): the server's first records after the client's
/// Finished, when they come as fast as its hello did, are taken for session tickets (or a
/// KeyUpdate), not the answer to a request sent right behind the Finished. Should the client
/// then send its next request with the first still open, the skipped record was its answer
/// after all (HTTP/1.1 clients wait for a response): the request is closed at that record and
/// counted in `inferred`.
struct TLSExchanges {
    private(set) var count = 0
    /// Each exchange's latency (at most `samplesKept`): a histogram per connection would cost
    /// 30 KB for every live TLS session (measured: +130 MB on the benchmark workload).
    private(set) var samples: [Int64] = []
    static let samplesKept = 10_000
    /// Server records that arrived with no request open.
    private(set) var unsolicited = 0
    /// When the open request was sent, if one is open, and the stream offset just past it.
    private(set) var open: Int64?
    private var openEnd: UInt64 = 0
    /// Server records the ACK rule kept from closing a request.
    private(set) var beforeRequestArrived = 0
    /// Unsolicited server records that came `pushGap` or more after the server's previous
    /// record: pushed events (a watch), not the rest of a response or a session ticket.
    private(set) var pushes = 0
    static let pushGap: Int64 = 10_000_000
    private var lastServerRecord: Int64 = .min
    /// The slowest exchanges (request time, latency), at most `slowestKept`, for the API
    /// server's slowest list (exact for its first `slowestKept` rows); bit i of
    /// `slowestInferred` says entry i was closed by the inference below (a bit set, not a
    /// third field: every live TLS session holds this list).
    private var slowestTimes: [(time: Int64, latency: Int64)] = []
    private var slowestInferred: UInt16 = 0

    var slowestList: [(time: Int64, latency: Int64, inferred: Bool)] {
        slowestTimes.enumerated().map { i, e in (e.time, e.latency, slowestInferred >> UInt16(i) & 1 != 0) }
    }
    static let slowestKept = 10
    /// Every latency, in order, when tracing (tests compare them with the oracle's list).
    var trace: [Int64]?
    /// Request time and latency of each exchange, for metrics (at most `timelineLimit`).
    var timeline: [(time: Int64, latency: Int64)]?
    static let timelineLimit = 100_000

    /// Server records taken for TLS 1.3 post-handshake messages (session tickets).
    private(set) var postHandshakeRecords = 0
    /// Requests closed at a record first taken for a post-handshake message.
    private(set) var inferred = 0
    /// The first post-handshake record that came with a request open, while it stays open.
    private var skippedAnswer: Int64?

    /// A server record taken for a post-handshake message (`TLSSession` decides which).
    mutating func postHandshake(at time: Int64) {
        postHandshakeRecords += 1
        if open != nil && skippedAnswer == nil { skippedAnswer = time }
    }

    mutating func clientRecord(at time: Int64, end: UInt64) {
        if open != nil, let answered = skippedAnswer {
            // A new request with one open: the record skipped as a ticket was its answer.
            close(at: answered, inferred: true)
            inferred += 1
        }
        // The record that opens a request is the one its answer must follow: later client
        // records (HTTP/2 frames, a request body) do not move that point.
        if open == nil {
            open = time
            openEnd = end
        }
    }

    /// `acknowledged`: the client stream offset the server's segment acknowledged, if known.
    mutating func serverRecord(at time: Int64, acknowledged: UInt64?) {
        defer { lastServerRecord = time }
        guard let start = open else {
            unsolicited += 1
            if lastServerRecord != .min && time - lastServerRecord >= Self.pushGap { pushes += 1 }
            return
        }
        if let acknowledged, acknowledged < openEnd {
            beforeRequestArrived += 1
            unsolicited += 1
            return
        }
        close(at: time)
    }

    private mutating func close(at time: Int64, inferred: Bool = false) {
        guard let start = open else { return }
        open = nil
        skippedAnswer = nil
        let l = time - start
        count += 1
        if samples.count < Self.samplesKept { samples.append(l) }
        trace?.append(l)
        if timeline != nil && timeline!.count < Self.timelineLimit { timeline!.append((start, l)) }
        if slowestTimes.count < Self.slowestKept {
            slowestTimes.append((start, l))
            mark(slowestTimes.count - 1, inferred)
        } else if let i = slowestTimes.indices.min(by: { slowestTimes[$0].latency < slowestTimes[$1].latency }),
            slowestTimes[i].latency < l
        {
            slowestTimes[i] = (start, l)
            mark(i, inferred)
        }
    }

    private mutating func mark(_ i: Int, _ inferred: Bool) {
        let bit = UInt16(1) << UInt16(i)
        slowestInferred = inferred ? slowestInferred | bit : slowestInferred & ~bit
    }
}
