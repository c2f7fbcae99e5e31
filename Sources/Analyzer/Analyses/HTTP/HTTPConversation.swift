import Dissectors

/// The HTTP a connection carries: HTTP/1.1, or HTTP/2 when the client's first bytes are its
/// connection preface (h2 after ALPN, or prior-knowledge h2c). Decided on the first client
/// bytes; until then (server bytes first) HTTP/1.1.
enum HTTPConversation {
    case undecided
    case http1(HTTP1Conversation)
    case http2(HTTP2Conversation)

    var requests: [HTTP1Conversation.Request] {
        switch self {
        case .undecided: []
        case .http1(let c): c.requests
        case .http2(let c): c.requests
        }
    }

    /// Requests past `HTTP1Conversation.limit` on the connection, counted, not kept.
    var dropped: Int {
        switch self {
        case .undecided: 0
        case .http1(let c): c.dropped
        case .http2(let c): c.dropped
        }
    }

    var lostFraming: Bool {
        switch self {
        case .undecided: false
        case .http1(let c): c.lostFraming
        case .http2(let c): c.lostFraming
        }
    }

    mutating func client(_ bytes: ByteSlice, time: Int64) {
        if case .undecided = self {
            let p = HTTP2Conversation.preface
            let n = min(bytes.count, 4)
            let h2 = n == 4 && (0 ..< n).allSatisfy { bytes.u8(at: $0) == p[$0] }
            self = h2 ? .http2(HTTP2Conversation()) : .http1(HTTP1Conversation())
        }
        switch self {
        case .http1(var c): self = .undecided; c.client(bytes, time: time); self = .http1(c)
        case .http2(var c): self = .undecided; c.client(bytes, time: time); self = .http2(c)
        case .undecided: break
        }
    }

    mutating func server(_ bytes: ByteSlice, time: Int64) {
        switch self {
        case .undecided: break  // a server speaking first: nothing to pair yet
        case .http1(var c): self = .undecided; c.server(bytes, time: time); self = .http1(c)
        case .http2(var c): self = .undecided; c.server(bytes, time: time); self = .http2(c)
        }
    }

    /// Bytes of one direction are missing (a record that did not decrypt).
    mutating func gap(fromClient: Bool) {
        switch self {
        case .http2(var c): self = .undecided; c.gap(fromClient: fromClient); self = .http2(c)
        case .http1(var c): self = .undecided; c.gap(); self = .http1(c)
        case .undecided: break
        }
    }

    /// Bytes the readers hold (`PlainHTTPConnections` bounds them over all connections).
    var bufferedBytes: Int {
        switch self {
        case .undecided: 0
        case .http1(let c): c.bufferedBytes
        case .http2(let c): c.bufferedBytes
        }
    }

    /// Stop reading: buffers dropped, requests kept.
    mutating func stop() {
        switch self {
        case .http1(var c): self = .undecided; c.stop(); self = .http1(c)
        case .http2(var c): self = .undecided; c.stop(); self = .http2(c)
        case .undecided: self = .http1(HTTP1Conversation()); stop()
        }
    }

    mutating func close(at time: Int64) {
        if case .http1(var c) = self { self = .undecided; c.close(at: time); self = .http1(c) }
    }
}
