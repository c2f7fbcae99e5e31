/// HTTP read in full between any two endpoints (decrypted TLS, cleartext HTTP/1.1 and h2c):
/// every request, grouped by server and by route (paths with their IDs collapsed, so that the
/// table does not grow with them), and gRPC calls by method. Absent without TLS keys unless
/// cleartext HTTP was read.
public struct HTTPSection: Codable, Sendable, Equatable {
    public var requests = 0
    public var requestList = RowList<HTTPRequestRow>(total: 0, rows: [])
    /// By server workload ("namespace/Kind/name"; else the service or node, or "ip:port"
    /// when the server is none of them).
    public var byServer = RowList<HTTPGroupRow>(total: 0, rows: [])
    /// By client pod ("namespace/name"; else its address).
    public var byClient = RowList<HTTPGroupRow>(total: 0, rows: [])
    /// By method and route template ("GET /api/v1/namespaces/{name}/pods").
    public var byRoute = RowList<HTTPGroupRow>(total: 0, rows: [])
    public var grpc = GRPCSection()
    public init() {}
}

/// gRPC calls (HTTP/2 requests of content-type application/grpc).
public struct GRPCSection: Codable, Sendable, Equatable {
    /// By "package.Service/Method"; `byStatus` counts `grpc-status` codes ("0" OK, "5"
    /// NOT_FOUND ...), and `latency` is of the calls that got one.
    public var byMethod = RowList<HTTPGroupRow>(total: 0, rows: [])
    public init() {}
}

public struct HTTPRequestRow: Codable, Sendable, Equatable {
    public var timestamp: Double = 0
    public var client = ""
    @Null public var clientPod: String?
    public var server = ""
    @Null public var serverPod: String?
    public var method = ""
    public var path = ""
    public var route = ""
    @Null public var status: Int?
    @Null public var latency: Double?
    @Null public var lastByteLatency: Double?
    public var httpVersion = "HTTP/1.1"
    @Null public var grpcStatus: Int?
    /// HTTP/2: the request's stream id; null for HTTP/1.1.
    @Null public var stream: Int?
    /// Body bytes of the request and of its response, as `apiServer.requests` rows count them.
    public var requestBytes = 0
    public var responseBytes = 0
    public var decrypted = true
    /// The request's id in `loupe report --format ndjson`: "http-", its connection's id
    /// (`tcp.flows`) and its place on the connection from 1.
    @Null public var recordId: String?
    public init() {}

    enum CodingKeys: String, CodingKey {
        case client, clientPod, decrypted, grpcStatus, httpVersion, lastByteLatency, latency, method, path, recordId,
            requestBytes, responseBytes, route, server, serverPod, status, stream, timestamp
    }
}

/// Requests grouped by a key (a server, a route; the API server's "list pods"): how many, the
/// latency of those answered and their statuses.
public struct HTTPGroupRow: Codable, Sendable, Equatable {
    public var key = ""
    public var requests = 0
    public var latency = Percentiles.empty
    public var byStatus: [String: Int] = [:]
    public init() {}
}
