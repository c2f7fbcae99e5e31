import Foundation

/// The `tls` section of `loupe report`: TLS over TCP on any port (README "TLS detection"),
/// and QUIC recognised by its long header. Keys are stable (add, never rename).
public struct TLSSection: Codable, Sendable, Equatable {
    /// TCP connections recognised as TLS.
    public var connections = 0
    /// Connections with a ClientHello (SSLv2-format included).
    public var handshakes = 0
    /// Handshakes that finished (see `handshakeLatency`).
    public var completed = 0
    /// Negotiated version name ("TLSv1.2", "TLSv1.3") -> connections.
    public var versions: [String: Int] = [:]
    /// ClientHello server_name -> connections (bounded; "(other)" past the bound).
    public var serverNames: [String: Int] = [:]
    /// Cleartext alert description name ("handshake_failure") -> alerts, both directions.
    public var alerts: [String: Int] = [:]
    /// ClientHello (the segment completing it) to the end of the handshake: for TLS 1.2 and
    /// earlier the later ChangeCipherSpec, for TLS 1.3 the client's Finished.
    public var handshakeLatency = Percentiles.empty
    /// ClientHello to the first ServerHello (a HelloRetryRequest counts).
    public var clientHelloToServerHello = Percentiles.empty
    public var failures = TLSFailureCounts()
    /// Failed first, then in order of first packet.
    public var sessions = RowList<TLSSessionRow>(total: 0, rows: [])
    /// Per ClientHello server_name ("(none)" without one) and per server "ip:port".
    public var byServerName = RowList<TLSGroupRow>(total: 0, rows: [])
    public var byServer = RowList<TLSGroupRow>(total: 0, rows: [])
    /// Records that broke the TLS framing or handshake messages that did not decode.
    public var malformed = 0
    /// The first ten of them: endpoints, what failed and where (bytes into that direction).
    public var malformedExamples: [String] = []
    public var quic = QUICSummary()

    public init() {}
}

/// Each failed handshake counts once, under the first kind that applies, in this order.
public struct TLSFailureCounts: Codable, Sendable, Equatable {
    public var total = 0
    /// A fatal protocol_version alert: no TLS version in common.
    public var versionMismatch = 0
    /// A fatal handshake_failure or insufficient_security alert before any ServerHello: the
    /// server found no cipher suite, group or signature algorithm it accepts.
    public var noCommonParameters = 0
    /// Any other fatal cleartext alert during the handshake (the session row names it).
    public var alert = 0
    /// A TCP reset after the ClientHello, before the handshake finished.
    public var resetAfterClientHello = 0
    /// No ServerHello before the connection closed or the capture ended.
    public var noServerHello = 0
    /// A ServerHello, then FIN before the handshake finished.
    public var closedDuringHandshake = 0

    public init() {}
}

public struct TLSSessionRow: Codable, Sendable, Equatable {
    public var client = ""
    public var server = ""
    /// The session's id in `loupe report --format ndjson`: "tls-" and its connection's
    /// (`tcp.flows[].id`).
    @Null public var recordId: String? = nil
    /// The first ClientHello's time (seconds since the epoch).
    @Null public var timestamp: Decimal?
    @Null public var sni: String?
    /// "namespace/name" of the pod at each end when `--pods` metadata names it, else null.
    @Null public var clientPod: String? = nil
    @Null public var serverPod: String? = nil
    /// The Kubernetes Service ("namespace/name") the connection went to: its cluster IP, or
    /// a backend paired with a cluster-IP connection from the same client port (NAT).
    @Null public var service: String? = nil
    /// Negotiated version name (the last ServerHello's), null without one.
    @Null public var version: String?
    /// The highest version the ClientHello offers (supported_versions, else its legacy
    /// version; "SSLv2" for an SSLv2-format hello).
    @Null public var offeredVersion: String?
    /// "0x1301"-style.
    @Null public var cipher: String?
    public var alpnOffered: [String] = []
    @Null public var alpn: String?
    @Null public var ja3: String?
    @Null public var ja3s: String?
    @Null public var ja4: String?
    @Null public var resumed: Bool?
    public var helloRetryRequest = false
    @Null public var certificate: TLSCertificate?
    /// Cleartext alerts' description names, in order (first eight).
    public var alerts: [String] = []
    /// The same alerts in full: who sent each, its level and description code.
    public var alertRecords: [TLSAlertRecord] = []
    @Null public var clientHelloToServerHello: Double?
    @Null public var handshakeLatency: Double?
    /// The failure kind (a `TLSFailureCounts` key) or null.
    @Null public var failure: String?
    /// Records of content type 23 each side sent (in TLS 1.3 every encrypted record).
    public var applicationRecordsFromClient = 0
    public var applicationRecordsFromServer = 0
    /// Request/response exchanges on the encrypted stream (README "TLS: how it decides"),
    /// their latency, server records with no request open, and whether a request was still
    /// waiting when the connection or capture ended.
    public var exchanges = 0
    public var exchangeLatency = Percentiles.empty
    public var serverRecordsWithoutRequest = 0
    /// Of those, records pushed 10 ms or more after the server's previous one (watch events).
    public var serverPushes = 0
    public var requestPendingAtEnd = false
    /// Alert records that were encrypted (after ChangeCipherSpec in TLS 1.2 and earlier).
    public var encryptedAlerts = 0
    /// Segments the ClientHello spanned (more than one: split, e.g. post-quantum key shares).
    public var clientHelloSegments = 0

    public init() {}

    /// In key order: the JSON writer then never moves this object's members (it sorts
    /// them; in declaration order they came unsorted).
    enum CodingKeys: String, CodingKey {
        case alertRecords, alerts, alpn, alpnOffered, applicationRecordsFromClient
        case applicationRecordsFromServer, certificate, cipher, client, clientHelloSegments
        case clientHelloToServerHello, clientPod, encryptedAlerts, exchangeLatency, exchanges, failure
        case handshakeLatency, helloRetryRequest, ja3, ja3s, ja4, offeredVersion, recordId, requestPendingAtEnd
        case resumed, server, serverPod, serverPushes, serverRecordsWithoutRequest, service, sni, timestamp
        case version
    }
}

public struct TLSAlertRecord: Codable, Sendable, Equatable {
    /// "client" or "server".
    public var from: String
    /// 1 warning, 2 fatal.
    public var level: Int
    public var description: Int
    @Null public var timestamp: Decimal?

    public init(from: String, level: Int, description: Int, timestamp: Decimal?) {
        self.from = from
        self.level = level
        self.description = description
        self.timestamp = timestamp
    }
}

public struct TLSCertificate: Codable, Sendable, Equatable {
    public var subject: String
    public var sans: [String]
    public var issuer: String
    public var notBefore: Double
    public var notAfter: Double
    /// notAfter is before the certificate was seen, or within 30 days after.
    public var expired: Bool
    public var expiresWithin30Days: Bool
    @Null public var error: String?

    public init(
        subject: String, sans: [String], issuer: String, notBefore: Double, notAfter: Double, expired: Bool,
        expiresWithin30Days: Bool, error: String?
    ) {
        self.subject = subject
        self.sans = sans
        self.issuer = issuer
        self.notBefore = notBefore
        self.notAfter = notAfter
        self.expired = expired
        self.expiresWithin30Days = expiresWithin30Days
        self.error = error
    }

    /// In key order: the JSON writer then never moves this object's members (it sorts
    /// them; in declaration order they came unsorted).
    enum CodingKeys: String, CodingKey {
        case error, expired, expiresWithin30Days, issuer, notAfter, notBefore, sans, subject
    }
}

public struct TLSGroupRow: Codable, Sendable, Equatable {
    public var key: String
    public var handshakes: Int
    public var failures: Int
    public var handshakeLatency: Percentiles
    public var clientHelloToServerHello: Percentiles

    public init(
        key: String, handshakes: Int, failures: Int, handshakeLatency: Percentiles,
        clientHelloToServerHello: Percentiles
    ) {
        self.key = key
        self.handshakes = handshakes
        self.failures = failures
        self.handshakeLatency = handshakeLatency
        self.clientHelloToServerHello = clientHelloToServerHello
    }

    /// In key order: the JSON writer then never moves this object's members (it sorts
    /// them; in declaration order they came unsorted).
    enum CodingKeys: String, CodingKey {
        case clientHelloToServerHello, failures, handshakeLatency, handshakes, key
    }
}

/// QUIC on UDP, recognised by its long header on any port (RFC 9000 17.2, RFC 9369 for v2).
public struct QUICSummary: Codable, Sendable, Equatable {
    /// UDP datagrams carrying QUIC (long header, or short header on a flow that had one).
    public var packets = 0
    /// Long-header packets (coalesced ones each) by version, "0x00000001".
    public var versions: [String: Int] = [:]
    /// UDP flows with a QUIC long header.
    public var connections = 0

    public init() {}
}

extension Percentiles {
    public static let empty = Percentiles(count: 0, p50: nil, p90: nil, p95: nil, p99: nil, max: nil)
}
