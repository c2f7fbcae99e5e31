import Dissectors

/// The HTTP a connection carries: HTTP/1.1, or HTTP/2 when the client's first bytes are its
/// connection preface (h2 after ALPN, or prior-knowledge h2c). Decided on the first client
/// bytes; until then (server bytes first) undecided.
///
/// A class holding two optionals rather than an enum with payloads: each call updates its
/// conversation in place (`http1!.client(...)`), where taking an enum's payload out and
/// putting it back copied the conversation twice per call (9 memcpy a call); and a TLS
/// session, which keeps one optionally, holds a reference (8 bytes) whether or not it is
/// decrypted. Made and read by one owner at a time (a session, a cleartext stream), then
/// only read.
final class HTTPConversation {
    private(set) var http1: HTTP1Conversation?
    private(set) var http2: HTTP2Conversation?

    /// No client byte yet.
    static var undecided: HTTPConversation { HTTPConversation() }

    init() {}
    init(_ c: HTTP1Conversation) { http1 = c }
    init(_ c: HTTP2Conversation) { http2 = c }

    var isHTTP2: Bool { http2 != nil }

    var requests: [HTTP1Conversation.Request] { http1?.requests ?? http2?.requests ?? [] }

    /// Requests past `HTTP1Conversation.limit` on the connection, counted, not kept.
    var dropped: Int { http1?.dropped ?? http2?.dropped ?? 0 }

    var lostFraming: Bool { http1?.lostFraming ?? http2?.lostFraming ?? false }

    /// Bytes the readers hold (`PlainHTTPConnections` bounds them over all connections).
    var bufferedBytes: Int { http1?.bufferedBytes ?? http2?.bufferedBytes ?? 0 }

    func client(_ bytes: ByteSlice, time: Int64) {
        if http1 == nil && http2 == nil {
            let p = HTTP2Conversation.preface
            let n = min(bytes.count, 4)
            if n == 4 && (0..<n).allSatisfy({ bytes.u8(at: $0) == p[$0] }) {
                http2 = HTTP2Conversation()
            } else {
                http1 = HTTP1Conversation()
            }
        }
        if http1 != nil { http1!.client(bytes, time: time) } else { http2!.client(bytes, time: time) }
    }

    /// A server speaking first: nothing to pair yet.
    func server(_ bytes: ByteSlice, time: Int64) {
        if http1 != nil { http1!.server(bytes, time: time) } else if http2 != nil { http2!.server(bytes, time: time) }
    }

    /// Bytes of one direction are missing (a record that did not decrypt, a hole).
    func gap(fromClient: Bool) {
        if http1 != nil { http1!.gap() } else if http2 != nil { http2!.gap(fromClient: fromClient) }
    }

    /// Stop reading: buffers dropped, requests kept.
    func stop() {
        if http1 == nil && http2 == nil { http1 = HTTP1Conversation() }
        if http1 != nil { http1!.stop() } else { http2!.stop() }
    }

    func close(at time: Int64) {
        if http1 != nil { http1!.close(at: time) }
    }
}
