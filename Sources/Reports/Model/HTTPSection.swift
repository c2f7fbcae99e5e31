/// HTTP read in full between any two endpoints (decrypted TLS): every request, grouped by
/// server and by route (paths with their IDs collapsed, so that the table does not grow with
/// them). Absent without TLS keys.
public struct HTTPSection: Codable, Sendable, Equatable {
    public var requests = 0
    public var requestList = RowList<HTTPRequestRow>(total: 0, rows: [])
    /// By server workload (or pod, or "ip:port" when it is not a pod).
    public var byServer = RowList<HTTPGroupRow>(total: 0, rows: [])
    /// By method and route template ("GET /api/v1/namespaces/{name}/pods").
    public var byRoute = RowList<HTTPGroupRow>(total: 0, rows: [])
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
    public var decrypted = true
    public init() {}

    enum CodingKeys: String, CodingKey {
        case client, clientPod, decrypted, grpcStatus, httpVersion, lastByteLatency, latency, method, path, route, server,
             serverPod, status, timestamp
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
