import Foundation

/// The `dns` section of `loupe report` (DNS over UDP on ports 53, 5353 and 5355).
public struct DNSSection: Codable, Sendable, Equatable {
    /// Query and response messages.
    public var queries: Int
    public var responses: Int
    /// Queries that opened a transaction (retransmissions do not).
    public var transactions: Int
    /// Transactions that never got a response.
    public var unanswered: Int
    /// Queries repeating a pending one (same conversation and ID within 5 s).
    public var retransmissions: Int
    public var duplicateResponses: Int
    public var responsesWithoutQuery: Int
    public var truncatedResponses: Int
    /// Truncated UDP answers the client retried over TCP (same addresses and question
    /// within the timer), and those lookups' latency from the UDP query to the TCP answer.
    public var truncatedRetriedOverTcp: Int
    public var tcpFallbackLatency: Percentiles
    /// Messages on a DNS port that do not decode as DNS whole (past the header: their
    /// header's facts still count and pair; shorter: not counted as queries or responses).
    public var malformed: Int
    /// The first ten malformed or cut messages: transport, endpoints, timestamp, what failed
    /// and where.
    public var malformedExamples: [String]
    /// Messages the capture's snaplen cut short. Like malformed ones, they still count as
    /// queries or responses and pair by ID when their 12-byte header is there.
    public var truncatedMessages = 0
    /// DNS-over-TCP stream directions whose framing a gap in the capture broke (the
    /// messages after it are not decoded).
    public var tcpStreamGaps = 0
    /// Over response messages, by RFC 6895 name ("NOERROR", "NXDOMAIN", ...).
    public var rcodes: [String: Int]
    /// Over queries' first question, by type name ("A", "AAAA", ...).
    public var qtypes: [String: Int]
    /// Response time of answered transactions, from the first query (tshark's `dns.time`).
    public var latency: Percentiles
    /// Failed first (unanswered, then error rcodes), then slowest.
    public var transactionList: RowList<DNSTransactionRow>
    /// Queries wasted on the pod resolver's search list (`ndots:5`).
    public var searchPath: SearchPathSection
    /// Per server, client (addresses) and query name: transactions, outcomes and latency
    /// (2 significant digits), most transactions first; "(other)" folds keys past the bound.
    public var byServer: RowList<DNSGroupRow>
    public var byClient: RowList<DNSGroupRow>
    public var byName: RowList<DNSGroupRow>
    /// Names answered NXDOMAIN / SERVFAIL, most frequent first.
    public var topNXDOMAIN: RowList<NameCount>
    public var topSERVFAIL: RowList<NameCount>

    public init(
        queries: Int, responses: Int, transactions: Int, unanswered: Int, retransmissions: Int,
        duplicateResponses: Int, responsesWithoutQuery: Int, truncatedResponses: Int,
        truncatedRetriedOverTcp: Int, tcpFallbackLatency: Percentiles, malformed: Int,
        malformedExamples: [String],
        rcodes: [String: Int], qtypes: [String: Int], latency: Percentiles,
        transactionList: RowList<DNSTransactionRow>, searchPath: SearchPathSection,
        byServer: RowList<DNSGroupRow>, byClient: RowList<DNSGroupRow>, byName: RowList<DNSGroupRow>,
        topNXDOMAIN: RowList<NameCount>, topSERVFAIL: RowList<NameCount>
    ) {
        self.queries = queries
        self.responses = responses
        self.transactions = transactions
        self.unanswered = unanswered
        self.retransmissions = retransmissions
        self.duplicateResponses = duplicateResponses
        self.responsesWithoutQuery = responsesWithoutQuery
        self.truncatedResponses = truncatedResponses
        self.truncatedRetriedOverTcp = truncatedRetriedOverTcp
        self.tcpFallbackLatency = tcpFallbackLatency
        self.malformed = malformed
        self.malformedExamples = malformedExamples
        self.rcodes = rcodes
        self.qtypes = qtypes
        self.latency = latency
        self.transactionList = transactionList
        self.searchPath = searchPath
        self.byServer = byServer
        self.byClient = byClient
        self.byName = byName
        self.topNXDOMAIN = topNXDOMAIN
        self.topSERVFAIL = topSERVFAIL
    }
}

public struct DNSTransactionRow: Codable, Sendable, Equatable {
    public var timestamp: Decimal
    public var client: String
    public var server: String
    public var transport: String
    public var id: Int
    /// Presentation format (RFC 1035 escapes for dots, backslashes and non-printable bytes).
    public var qname: String
    public var qtype: String
    @Null public var rcode: String?
    /// Seconds; null when unanswered.
    @Null public var latency: Double?
    /// "namespace/name" of the pod at each end when `--pods` metadata names it, else null.
    @Null public var clientPod: String? = nil
    @Null public var serverPod: String? = nil

    public init(
        timestamp: Decimal, client: String, server: String, transport: String, id: Int, qname: String,
        qtype: String, rcode: String?, latency: Double?
    ) {
        self.timestamp = timestamp
        self.client = client
        self.server = server
        self.transport = transport
        self.id = id
        self.qname = qname
        self.qtype = qtype
        self.rcode = rcode
        self.latency = latency
    }

    /// The transaction's id in `loupe report --format ndjson` (`RecordLine`): its client, DNS
    /// ID and query time (`dns-10.0.0.1:5353-4660-1795730878.745627061`).
    @Null public var recordId: String? = nil

    /// In key order: the JSON writer then never moves this object's members (it sorts
    /// them; in declaration order they came unsorted).
    enum CodingKeys: String, CodingKey {
        case client, clientPod, id, latency, qname, qtype, rcode, recordId, server, serverPod, timestamp, transport
    }
}

/// Search-path expansion found in the capture.
public struct SearchPathSection: Codable, Sendable, Equatable {
    public var clusterDomain: String
    /// Lookups that went through at least one NXDOMAIN expansion before resolving.
    public var chains: Int
    /// Queries for expansions other than the name that resolved.
    public var wastedQueries: Int
    /// Seconds between each chain's first query and the first query for the name that resolved.
    public var timeLost: Double
    /// Per client and original name, most wasted first.
    public var names: RowList<SearchPathRow>
    /// What to change, when anything was wasted.
    @Null public var advice: String?

    public init(
        clusterDomain: String, chains: Int, wastedQueries: Int, timeLost: Double,
        names: RowList<SearchPathRow>, advice: String?
    ) {
        self.clusterDomain = clusterDomain
        self.chains = chains
        self.wastedQueries = wastedQueries
        self.timeLost = timeLost
        self.names = names
        self.advice = advice
    }
}

public struct SearchPathRow: Codable, Sendable, Equatable {
    /// The client address.
    public var client: String
    /// The name as the application asked for it (before the search list).
    public var name: String
    /// The name that finally resolved.
    public var resolvedAs: String
    public var chains: Int
    public var wastedQueries: Int
    /// Seconds.
    public var timeLost: Double

    public init(client: String, name: String, resolvedAs: String, chains: Int, wastedQueries: Int, timeLost: Double) {
        self.client = client
        self.name = name
        self.resolvedAs = resolvedAs
        self.chains = chains
        self.wastedQueries = wastedQueries
        self.timeLost = timeLost
    }

    /// In key order: the JSON writer then never moves this object's members (it sorts
    /// them; in declaration order they came unsorted).
    enum CodingKeys: String, CodingKey {
        case chains, client, name, resolvedAs, timeLost, wastedQueries
    }
}

public struct DNSGroupRow: Codable, Sendable, Equatable {
    public var key: String
    public var transactions: Int
    public var unanswered: Int
    /// Answers with an rcode other than NOERROR.
    public var errors: Int
    public var latency: Percentiles
    public init(key: String, transactions: Int, unanswered: Int, errors: Int, latency: Percentiles) {
        self.key = key
        self.transactions = transactions
        self.unanswered = unanswered
        self.errors = errors
        self.latency = latency
    }

    /// In key order: the JSON writer then never moves this object's members (it sorts
    /// them; in declaration order they came unsorted).
    enum CodingKeys: String, CodingKey {
        case errors, key, latency, transactions, unanswered
    }
}

public struct NameCount: Codable, Sendable, Equatable {
    public var name: String
    public var count: Int
    public init(name: String, count: Int) {
        self.name = name
        self.count = count
    }

    /// In key order: the JSON writer then never moves this object's members (it sorts
    /// them; in declaration order they came unsorted).
    enum CodingKeys: String, CodingKey {
        case count, name
    }
}
