import Dissectors

/// Plain HTTP/1.1 request/response pairs on one TCP connection (kubectl proxy traffic, an
/// API server reached without TLS): a request is a client segment that starts with a request
/// line, a response a server segment that starts with a status line; responses answer
/// requests in order (HTTP/1.1 pipelining keeps order). Retransmitted segments (starting
/// before the next expected byte) are not read again.
struct HTTPExchanges {
    struct Pending {
        var request: HTTP1.Request
        var time: Int64
    }

    struct Exchange {
        var request: HTTP1.Request
        var status: Int
        var time: Int64
        var latency: Int64
    }

    private var pending: [Pending] = []
    private var nextClient: UInt32?
    private var nextServer: UInt32?
    private(set) var exchanges: [Exchange] = []
    /// Responses with no request waiting.
    private(set) var unmatchedResponses = 0
    /// Requests kept waiting and exchanges kept per connection (the rest are counted).
    static let limit = 1000
    /// Requests waiting and exchanges kept over every connection at once (`held`).
    static let totalLimit = 50_000
    private(set) var dropped = 0

    var unanswered: [Pending] { pending }

    /// Requests waiting and exchanges this connection holds (counted in the caller's total).
    var held: Int { pending.count + exchanges.count }

    /// `held`: requests and exchanges kept over every connection, under `totalLimit`.
    mutating func segment(fromClient: Bool, sequence: UInt32, payload: ByteSlice, time: Int64, held: inout Int) {
        guard payload.count > 0 else { return }
        let end = sequence &+ UInt32(truncatingIfNeeded: payload.count)
        if fromClient {
            if let next = nextClient, Int32(bitPattern: sequence &- next) < 0 { return }
            nextClient = end
            guard let request = HTTP1.request(payload) else { return }
            if pending.count < Self.limit && held < Self.totalLimit {
                pending.append(Pending(request: request, time: time))
                held += 1
            } else {
                dropped += 1
            }
        } else {
            if let next = nextServer, Int32(bitPattern: sequence &- next) < 0 { return }
            nextServer = end
            guard let status = HTTP1.status(payload) else { return }
            // 1xx responses are interim: the final response still answers the request.
            guard status >= 200 else { return }
            guard !pending.isEmpty else {
                unmatchedResponses += 1
                return
            }
            let p = pending.removeFirst()
            held -= 1
            if exchanges.count < Self.limit && held < Self.totalLimit {
                exchanges.append(Exchange(request: p.request, status: status, time: p.time, latency: time - p.time))
                held += 1
            } else {
                dropped += 1
            }
        }
    }
}
