import Dissectors

/// One TCP connection carrying cleartext HTTP (HTTP/1.1, or prior-knowledge h2c, gRPC
/// included), read from both directions' bytes put back in order (`StreamReassembler`, the
/// same policy as TLS: first copy wins, a hole the peer acknowledged is a gap). A gap is told
/// to the conversation: HTTP/1.1 stops reading the connection (its framing is lost), HTTP/2
/// marks its header state unknown; nothing after a gap is guessed.
struct PlainHTTPStream {
    let clientIsLow: Bool
    private var low = StreamReassembler()
    private var high = StreamReassembler()
    private(set) var http = HTTPConversation.undecided
    /// The latest segment's time (a response read until the connection's end ends there).
    private var lastSegmentTime: Int64 = 0
    /// Stopped by the memory bound: later segments are not read.
    private(set) var stopped = false
    /// Bytes the requests read so far hold (`requestCost` each), and how many are counted.
    private var requestBytes = 0
    private var counted = 0

    /// What this connection holds besides its reassembly (charged to the TLS analysis's
    /// reassembly budget): its requests and its readers' buffers, in bytes.
    var footprint: Int { requestBytes + http.bufferedBytes }

    /// A kept request's bytes: its layout and its strings' bytes, each string's allocation
    /// rounded up by 32.
    static func requestCost(_ r: HTTP1Conversation.Request) -> Int {
        MemoryLayout<HTTP1Conversation.Request>.stride + r.method.utf8.count + r.target.utf8.count
            + (r.userAgent?.utf8.count ?? 0) + (r.retryAfter?.utf8.count ?? 0) + 4 * 32
    }

    /// Stop reading (`PlainHTTPConnections`' bound): buffers dropped, requests kept.
    mutating func stop() {
        stopped = true
        http.stop()
    }

    init(clientIsLow: Bool) { self.clientIsLow = clientIsLow }

    /// One TCP segment of the connection.
    mutating func segment(
        fromLow: Bool, sequence: UInt32, ack: UInt32, flags: TCP.Flags,
        payload: UnsafeRawBufferPointer, time: Int64, budget: inout ReassemblyBudget
    ) {
        lastSegmentTime = time
        guard !stopped else { return }
        defer { countRequests() }
        if (fromLow ? low : high).takes(payloadCount: payload.count) {
            var r = StreamReassembler()
            if fromLow { swap(&r, &low) } else { swap(&r, &high) }
            r.segment(
                sequence: sequence, syn: flags.contains(.syn), payload: payload, time: time,
                budget: &budget
            ) { receive($0, fromLow: fromLow) }
            if fromLow { swap(&r, &low) } else { swap(&r, &high) }
        }
        if flags.contains(.ack) && (fromLow ? high : low).isBehind(ack) {
            // Bytes the peer acknowledged and the capture missed: a gap in the other direction.
            var other = StreamReassembler()
            if fromLow { swap(&other, &high) } else { swap(&other, &low) }
            other.acknowledged(ack, budget: &budget) { receive($0, fromLow: !fromLow) }
            if fromLow { swap(&other, &high) } else { swap(&other, &low) }
        }
    }

    /// The connection is over: buffered bytes go out (after their holes), and a response
    /// read until the close ends at the last segment.
    mutating func finish(budget: inout ReassemblyBudget) {
        guard !stopped else { return http.close(at: lastSegmentTime) }
        for fromLow in [true, false] {
            var r = StreamReassembler()
            if fromLow { swap(&r, &low) } else { swap(&r, &high) }
            r.finish(budget: &budget) { receive($0, fromLow: fromLow) }
        }
        http.close(at: lastSegmentTime)
    }

    private mutating func countRequests() {
        let requests = http.requests
        guard requests.count > counted else { return }
        for r in requests[counted...] { requestBytes += Self.requestCost(r) }
        counted = requests.count
    }

    private mutating func receive(_ chunk: ReassembledChunk, fromLow: Bool) {
        let fromClient = fromLow == clientIsLow
        if chunk.gapBefore > 0 { http.gap(fromClient: fromClient) }
        let bytes = ByteSlice(chunk.bytes)
        if fromClient { http.client(bytes, time: chunk.time) } else { http.server(bytes, time: chunk.time) }
    }

    /// Whether a connection's payload segment begins cleartext HTTP, and which side is the
    /// client: the sender of a request line ("GET /x HTTP/1.1") or of HTTP/2's connection
    /// preface, the receiver of a status line ("HTTP/1.1 200", a capture that began mid
    /// connection). Nil for anything else. Costs a byte test for most payloads, and makes no
    /// string: a request line is told by its method's first four bytes ("GET ", "POST" ...;
    /// the conversation then reads it, or says its framing was lost).
    static func clientIsSender(_ payload: ByteSlice) -> Bool? {
        guard payload.count >= 12 else { return nil }
        let first = payload.u8(at: 0)
        guard first >= 0x41 && first <= 0x5A else { return nil }  // A-Z: methods, "HTTP/", "PRI"
        if HTTP1.status(payload) != nil { return false }
        if Heuristics.isHTTP1(payload) { return payload.u32(at: 0) == 0x4854_5450 ? nil : true }  // not "HTTP"
        let preface = HTTP2Conversation.preface
        return (0..<12).allSatisfy { payload.u8(at: $0) == preface[$0] } ? true : nil
    }
}
