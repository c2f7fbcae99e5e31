import Dissectors

/// HTTP/1.1 requests and their responses on one connection, from both directions' bytes in
/// order (decrypted TLS, or plain TCP). Responses answer requests in order (pipelining keeps
/// it); a 1xx other than 101 is interim; a 101 (Upgrade: `kubectl exec`, port-forward, a
/// websocket) ends the reading, both directions being another protocol from then on.
///
/// Times are the pass's nanoseconds of the segment that carried the byte in question.
/// `latency` follows tshark's `http.time`: from the request's last byte to the response's
/// first; `lastByteLatency` to the response's last byte.
///
/// Bound: `limit` requests per connection (the rest are counted in `dropped`).
struct HTTP1Conversation {
    struct Request {
        var method: String
        var target: String
        var userAgent: String?
        var start: Int64
        var end: Int64?
        var status: Int?
        var retryAfter: String?
        var firstByte: Int64?
        var lastByte: Int64?
        /// For a watch: "expired" when an ERROR event with code 410 came.
        var watchExpired = false
        /// HTTP/2: the stream was reset (RST_STREAM); gRPC's `grpc-status`.
        var reset = false
        var grpcStatus: Int?
        /// HTTP/2 with a request `content-type` of application/grpc (or `+proto`, `+json`).
        var grpc = false
        /// HTTP/2: the request's stream.
        var stream: UInt32?
        /// Body bytes of the request and of its response (HTTP/1.1 after its framing:
        /// Content-Length or chunk data; HTTP/2 DATA payloads without padding).
        var requestBytes = 0
        var responseBytes = 0
        var isWatch: Bool { HTTPTarget.isWatch(target) }
    }

    static let limit = 1000
    private(set) var requests: [Request] = []
    private(set) var dropped = 0
    /// Requests not yet answered, by index in `requests` (oldest first).
    private var waiting: [Int] = []
    private var client = HTTP1MessageStream()
    private var server = HTTP1MessageStream()
    /// The request being read (index), and the one the response being read answers.
    private var reading: Int?
    private var answering: Int?
    private var interim = false
    private(set) var upgraded = false
    /// Responses with no request waiting.
    private(set) var unmatchedResponses = 0
    var lostFraming: Bool { client.lostFraming || server.lostFraming || gapped }

    mutating func client(_ bytes: ByteSlice, time: Int64) {
        guard !upgraded && !gapped else { return }
        var s = client
        s.receive(bytes) { event in clientEvent(event, time: time) }
        client = s
    }

    mutating func server(_ bytes: ByteSlice, time: Int64) {
        guard !upgraded && !gapped else { return }
        var s = server
        s.receive(bytes) { event in serverEvent(event, time: time) }
        server = s
    }

    /// Bytes are missing: neither direction's framing can be trusted from here on.
    mutating func gap() { gapped = true }

    /// Bytes the two message readers hold.
    var bufferedBytes: Int { client.bufferedBytes + server.bufferedBytes }

    /// Stop reading (a memory bound): the buffers go, the requests read so far stay.
    mutating func stop() {
        gapped = true
        (client, server) = (HTTP1MessageStream(), HTTP1MessageStream())
    }
    private var gapped = false

    /// The connection ended (at `time`): a response read until close ends.
    mutating func close(at time: Int64) {
        var s = server
        s.close { event in serverEvent(event, time: time) }
        server = s
    }

    private mutating func clientEvent(_ event: HTTP1MessageStream.Event, time: Int64) -> HTTP1MessageStream.Body {
        switch event {
        case .start: break
        case .head(let head):
            guard let r = head.request else {
                reading = nil
                return head.chunked ? .chunked : .length(head.contentLength ?? 0)
            }
            if requests.count < Self.limit {
                requests.append(Request(method: r.method, target: r.target, userAgent: head.userAgent, start: time))
                reading = requests.count - 1
                waiting.append(requests.count - 1)
            } else {
                dropped += 1
                reading = nil
            }
            // A request without Content-Length or chunked coding has no body (RFC 9112 6.3).
            return head.chunked ? .chunked : .length(head.contentLength ?? 0)
        case .body(let data):
            if let r = reading { requests[r].requestBytes += data.count }
        case .end:
            if let r = reading { requests[r].end = time }
            reading = nil
        }
        return .none
    }

    private mutating func serverEvent(_ event: HTTP1MessageStream.Event, time: Int64) -> HTTP1MessageStream.Body {
        switch event {
        case .start:
            if answering == nil && !interim {
                if waiting.isEmpty { answering = nil } else { answering = waiting.removeFirst() }
            }
            if let a = answering, requests[a].firstByte == nil { requests[a].firstByte = time }
        case .head(let head):
            guard let status = head.status else { return .untilClose }
            guard let a = answering else {
                unmatchedResponses += 1
                return head.chunked ? .chunked : head.contentLength.map { .length($0) } ?? .untilClose
            }
            if status == 101 {
                requests[a].status = status
                requests[a].lastByte = time
                upgraded = true
                answering = nil
                return .none
            }
            if status < 200 {
                interim = true  // the final response still answers this request
                return .none
            }
            interim = false
            requests[a].status = status
            requests[a].retryAfter = head.retryAfter
            if requests[a].method == "HEAD" || status == 204 || status == 304 { return .none }
            if head.chunked { return .chunked }
            return head.contentLength.map { .length($0) } ?? .untilClose
        case .body(let data):
            if let a = answering { requests[a].responseBytes += data.count }
            if let a = answering, requests[a].isWatch, !requests[a].watchExpired, HTTPTarget.isExpiredEvent(data) {
                requests[a].watchExpired = true
            }
        case .end:
            if let a = answering, !interim {
                requests[a].lastByte = time
                answering = nil
            }
        }
        return .none
    }
}
