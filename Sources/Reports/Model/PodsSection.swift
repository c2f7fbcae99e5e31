/// `attribution`: how much of the capture Loupe could put a name on (README "Pods").
public struct AttributionSection: Codable, Sendable, Equatable {
    /// Files the metadata came from (`--pods`); empty: no attribution was attempted.
    public var metadata: [String] = []
    public var packets = 0
    public var flows = 0
    /// Packets and flows with at least one endpoint resolved to a pod, service or node.
    public var resolvedPackets = 0
    public var resolvedFlows = 0
    public var resolvedPacketShare = 0.0
    public var resolvedFlowShare = 0.0
    /// Addresses that resolved to nothing, most packets first.
    public var unknownTop = RowList<AddressCount>(total: 0, rows: [])
    /// Endpoints that resolved to a node address hostNetwork pods share (which pod is unknowable).
    public var ambiguousFlows = 0
    /// Connections seen both before and after a Service's NAT, paired by client port.
    public var servicePairs = 0
    /// The nodes the metadata names (or a Retina capture's own node), with their addresses.
    public var nodes: [NodeAddresses] = []
    /// Flows with a unicast end: those that can belong to a pod, a Service or a node, and the
    /// share of them resolved (the attribution finding's measure).
    public var unicastFlows = 0
    public var resolvedUnicastFlowShare = 0.0
    /// Flows with no unicast end, by the more telling end's scope ("linkLocal",
    /// "multicast", "broadcast", "loopback", "unspecified"): nobody's, counted apart.
    public var notPodTraffic: [String: Int] = [:]

    public init() {}

    enum CodingKeys: String, CodingKey {
        case metadata, packets, flows, resolvedPackets, resolvedFlows, resolvedPacketShare, resolvedFlowShare, unknownTop,
            ambiguousFlows, servicePairs, nodes, unicastFlows, resolvedUnicastFlowShare, notPodTraffic
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        metadata = try c.decode([String].self, forKey: .metadata)
        packets = try c.decode(Int.self, forKey: .packets)
        flows = try c.decode(Int.self, forKey: .flows)
        resolvedPackets = try c.decode(Int.self, forKey: .resolvedPackets)
        resolvedFlows = try c.decode(Int.self, forKey: .resolvedFlows)
        resolvedPacketShare = try c.decode(Double.self, forKey: .resolvedPacketShare)
        resolvedFlowShare = try c.decode(Double.self, forKey: .resolvedFlowShare)
        unknownTop = try c.decode(RowList<AddressCount>.self, forKey: .unknownTop)
        ambiguousFlows = try c.decode(Int.self, forKey: .ambiguousFlows)
        servicePairs = try c.decode(Int.self, forKey: .servicePairs)
        // Reports written before nodes were listed still read (loupe diff takes old JSON).
        nodes = try c.decodeIfPresent([NodeAddresses].self, forKey: .nodes) ?? []
        unicastFlows = try c.decodeIfPresent(Int.self, forKey: .unicastFlows) ?? flows
        resolvedUnicastFlowShare = try c.decodeIfPresent(Double.self, forKey: .resolvedUnicastFlowShare) ?? resolvedFlowShare
        notPodTraffic = try c.decodeIfPresent([String: Int].self, forKey: .notPodTraffic) ?? [:]
    }
}

public struct NodeAddresses: Codable, Sendable, Equatable {
    public var name: String
    public var addresses: [String]
    public init(name: String, addresses: [String]) {
        self.name = name
        self.addresses = addresses
    }
}

public struct AddressCount: Codable, Sendable, Equatable {
    public var address: String
    public var packets: Int
    public var flows: Int
    public init(address: String, packets: Int, flows: Int) {
        self.address = address
        self.packets = packets
        self.flows = flows
    }
}

/// One pod (or workload, or namespace) and its own side of the traffic: DNS it asked or
/// answered, TCP connections it was an end of, TLS handshakes it made or served.
public struct PodRow: Codable, Sendable, Equatable {
    public var namespace = ""
    /// The pod's name (absent on workload and namespace rows).
    @Null public var name: String?
    /// "Deployment/api" (absent on namespace rows).
    @Null public var workload: String?
    @Null public var node: String?
    /// Pods folded into a workload or namespace row (1 on a pod row).
    public var pods = 1
    public var dns = PodDNS()
    public var tcp = PodTCP()
    public var tls = PodTLS()
    public init() {}
}

public struct PodDNS: Codable, Sendable, Equatable {
    public var transactions = 0
    public var unanswered = 0
    public var rcodes: [String: Int] = [:]
    public var latency = Percentiles.empty
    public init() {}
}

public struct PodTCP: Codable, Sendable, Equatable {
    public var connections = 0
    public var retransmissions = 0
    public var fastRetransmissions = 0
    public var lostSegments = 0
    public var duplicateAcks = 0
    public var zeroWindows = 0
    public var resets = 0
    public var retransmissionRate = 0.0
    public var initialRtt = Percentiles.empty
    public init() {}
}

public struct PodTLS: Codable, Sendable, Equatable {
    public var handshakes = 0
    public var completed = 0
    public var failures = TLSFailureCounts()
    public var handshakeLatency = Percentiles.empty
    public init() {}
}

/// `apiServer`: what the Kubernetes API server made its clients wait, measured on the
/// encrypted stream (README "API server").
public struct APIServerSection: Codable, Sendable, Equatable {
    /// "ip:port" of every API-server endpoint considered.
    public var endpoints: [String] = []
    public var connections = 0
    public var exchanges = 0
    /// Exchanges paired from encrypted record boundaries where the pairing is a guess: every
    /// exchange of a connection that may carry HTTP/2 (concurrent streams and control frames
    /// make records no request/response pairs), and a request closed at a record first taken
    /// for a TLS 1.3 session ticket. Their latency is from a client record to the server's
    /// next record, which may answer another request. HTTP/1.1 exchanges are exact.
    public var inferredExchanges = 0
    /// Connections on which the server sent data with no request open after a first
    /// exchange: watch streams, whose events are not slow responses.
    public var watches = 0
    public var latency = Percentiles.empty
    public var tcpHandshakeRtt = Percentiles.empty
    public var tlsHandshakeLatency = Percentiles.empty
    /// Resets, fatal alerts and requests left without a response, over all connections.
    public var errors = APIServerErrors()
    /// What the capture could not see, never an error: requests still open on a connection
    /// the capture ended (their response would come after it), and connections that began
    /// before the capture (no handshake seen).
    public var notSeen = APINotSeen()
    /// Requests that could not be matched with a response, each with its reason.
    public var unmatched = RowList<APIUnmatchedRow>(total: 0, rows: [])
    /// Client pods (or addresses), most exchanges first, at most `--rows`; the rest counted
    /// in `byClientOmitted`.
    public var byClient: [APIClientRow] = []
    public var byClientOmitted = 0
    /// Plain HTTP/1.1 exchanges (included in `exchanges`): by status code and by method.
    public var http = APIHTTPSummary()
    public var slowest = RowList<APIExchangeRow>(total: 0, rows: [])
    /// Requests read in full (decrypted or plain HTTP), in time order, at most `--rows`.
    public var requests = RowList<APIRequestRow>(total: 0, rows: [])
    /// Those requests by verb and resource ("list pods"), most requests first.
    public var byVerb = RowList<HTTPGroupRow>(total: 0, rows: [])
    /// Lists read in full slower than the API server's SLO for their scope (5 s within a
    /// namespace, 30 s cluster-wide), slowest first.
    public var slowLists = RowList<APIRequestRow>(total: 0, rows: [])
    /// Watches read in full, by how they ended; lists answered 410 (an expired continue
    /// token). Both make a client list again.
    public var watchEnds = APIWatchEnds()
    public var expiredLists = 0
    /// The densest 10 seconds of errors.
    public var errorBurst = APIErrorBurst()
    public var decryption = APIDecryption()
    public init() {}
}

public struct APIHTTPSummary: Codable, Sendable, Equatable {
    public var exchanges = 0
    public var byStatus: [String: Int] = [:]
    public var byMethod: [String: Int] = [:]
    /// Responses with no request waiting (the capture began mid-exchange).
    public var unmatchedResponses = 0
    public init() {}
}

public struct APINotSeen: Codable, Sendable, Equatable {
    public var requests = 0
    public var connections = 0
    public init() {}
}

public struct APIServerErrors: Codable, Sendable, Equatable {
    public var resets = 0
    public var alerts = 0
    public var noResponse = 0
    public var handshakeFailures = 0
    /// Requests answered 429 (API Priority and Fairness), and 5xx, among those read in full.
    public var throttled = 0
    public var serverErrors = 0
    public init() {}
}

public struct APIClientRow: Codable, Sendable, Equatable {
    /// The client pod's, or empty with `name` the client address when it is not a pod.
    public var namespace = ""
    public var name = ""
    public var connections = 0
    public var exchanges = 0
    public var latency = Percentiles.empty
    public var tcpHandshakeRtt = Percentiles.empty
    public var tlsHandshakeLatency = Percentiles.empty
    public var errors = 0
    public init() {}

    /// In key order: the JSON writer then never moves this object's members (it sorts
    /// them; in declaration order they came unsorted).
    enum CodingKeys: String, CodingKey {
        case connections, errors, exchanges, latency, name, namespace, tcpHandshakeRtt, tlsHandshakeLatency
    }
}

public struct APIExchangeRow: Codable, Sendable, Equatable {
    public var client = ""
    public var server = ""
    @Null public var clientPod: String?
    /// When the request record was sent (seconds since the epoch).
    public var timestamp: Double = 0
    public var latency: Double = 0
    /// Read from HTTP (plain or decrypted): the request's method and path, the status.
    @Null public var method: String? = nil
    @Null public var path: String? = nil
    @Null public var status: Int? = nil
    /// Read from decrypted records.
    public var decrypted = false
    /// Paired from encrypted record boundaries where they may not pair a request with its
    /// response (`APIServerSection.inferredExchanges`).
    public var inferred = false
    public init() {}

    /// In key order: the JSON writer then never moves this object's members (it sorts
    /// them; in declaration order they came unsorted).
    enum CodingKeys: String, CodingKey {
        case client, clientPod, decrypted, inferred, latency, method, path, server, status, timestamp
    }
}

public struct APIUnmatchedRow: Codable, Sendable, Equatable {
    public var client = ""
    public var server = ""
    @Null public var clientPod: String?
    public var timestamp: Double = 0
    /// "no response before the connection closed", "no response before the capture ended",
    /// "connection reset with a request open".
    public var reason = ""
    public init() {}
}
