/// One HTTP request to the API server read in full: decrypted with keys, or plain HTTP.
/// Times in seconds; `latency` is tshark's `http.time` (the request's last byte to the
/// response's first), `lastByteLatency` to the response's last byte.
public struct APIRequestRow: Codable, Sendable, Equatable {
    public var client = ""
    @Null public var clientPod: String?
    public var server = ""
    /// When the request's first byte was seen (seconds since the epoch).
    public var timestamp: Double = 0
    public var method = ""
    public var path = ""
    /// Kubernetes verb (get, list, watch, create, update, patch, delete, deletecollection;
    /// the method in lower case for paths that are not resources).
    public var verb = ""
    @Null public var resource: String?
    @Null public var subresource: String?
    @Null public var namespace: String?
    /// nil: no response (the reason is in `apiServer.unmatched`).
    @Null public var status: Int?
    @Null public var latency: Double?
    @Null public var lastByteLatency: Double?
    /// Read from decrypted TLS (true) or plain HTTP (false).
    public var decrypted = false
    /// Paired by a rule that may be wrong (see docs/reference.md); false for every row read
    /// from HTTP itself.
    public var inferred = false
    @Null public var userAgent: String?
    /// 429's Retry-After, as sent.
    @Null public var retryAfter: String?
    /// A watch: how it ended ("expired": an ERROR event with code 410; "closed": the server
    /// ended the stream; "reset"; "captureEnd").
    @Null public var watchEnd: String?
    /// gRPC's `grpc-status` (HTTP/2 trailers or a Trailers-Only response).
    @Null public var grpcStatus: Int?
    /// "HTTP/1.1" or "HTTP/2".
    public var httpVersion = "HTTP/1.1"
    /// HTTP/2: the request's stream id; null for HTTP/1.1.
    @Null public var stream: Int? = nil
    /// Body bytes of the request and of its response (HTTP/1.1 after its framing, HTTP/2 DATA
    /// payloads without padding), as far as read.
    public var requestBytes = 0
    public var responseBytes = 0
    /// The request's id in `loupe report --format ndjson`: "http-", its connection's id
    /// (`tcp.flows`) and its place on the connection from 1 (as in the `http` section).
    @Null public var recordId: String? = nil
    public init() {}

    enum CodingKeys: String, CodingKey {
        case client, clientPod, decrypted, grpcStatus, httpVersion, inferred, lastByteLatency, latency, method, namespace,
            path, recordId, requestBytes, resource, responseBytes, retryAfter, server, status, stream, subresource, timestamp,
            userAgent, verb, watchEnd
    }
}

/// What decryption did on the API server's connections.
public struct APIDecryption: Codable, Sendable, Equatable {
    /// Connections whose records keys opened.
    public var connections = 0
    /// Connections with keys logged for another suite than Loupe decrypts, or none logged.
    public var notDecrypted = 0
    /// Records opened with the logged keys.
    public var records = 0
    /// Records that did not authenticate with the logged keys (never guessed at).
    public var failedRecords = 0
    /// Connections whose HTTP could not be read to their end (bytes missing, a header block
    /// HPACK could not decode, framing lost): their later requests are not listed.
    public var lostFraming = 0
    /// Connections whose TLS 1.3 0-RTT data the server refused (its EncryptedExtensions had
    /// no early_data): that data never reached the server's application and is not read as
    /// requests (the client sends them again after the handshake).
    public var refusedEarlyData = 0
    public init() {}
}
