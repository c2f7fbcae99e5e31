import CaptureFormats
import Dissectors

extension DNSAnalysis {
    /// Responses are matched by conversation and ID, as tshark does (mDNS responses carry
    /// no question). Two lookups that share a port and an ID with different questions stay
    /// apart: the older moves to `superseded` and a response naming its question finds it.
    /// Pending transactions are found in `DNSPendingTable` (probed on every DNS message);
    /// the rare superseded ones in a `Dictionary` (`FlowKey.hash(into:)`'s one seeded word).
    struct Key: Hashable {
        var flow: FlowKey
        var id: UInt16
    }

    /// A plain value (the name is an id into `names`): copied in and out of the tables
    /// without reference counting.
    struct Transaction {
        var timestamp: Timestamp
        var time: Int64
        var clientAddress: IPAddress
        var clientPort: UInt16
        var serverAddress: IPAddress
        var serverPort: UInt16
        var overTCP: Bool
        var client: String { clientAddress.endpoint(port: clientPort) }
        var server: String { serverAddress.endpoint(port: serverPort) }
        var transport: String { overTCP ? "tcp" : "udp" }
        var id: UInt16
        var qname: DNSNameTable.ID
        var qtype: UInt16
        var answered = false
        var rcode: UInt16?
        var answers = 0
        var latency: Int64?
        /// A TCP retry of a truncated UDP answer: the UDP query's time.
        var fallbackStart: Int64?
    }
}

extension DNSAnalysis.Transaction: Ranked {
    /// Failed first (unanswered, then error rcodes), then slowest, then earliest.
    static func ranksBelow(_ a: Self, _ b: Self) -> Bool {
        func severity(_ t: Self) -> Int { !t.answered ? 2 : (t.rcode ?? 0) != 0 ? 1 : 0 }
        if severity(a) != severity(b) { return severity(a) < severity(b) }
        if (a.latency ?? 0) != (b.latency ?? 0) { return (a.latency ?? 0) < (b.latency ?? 0) }
        if a.timestamp != b.timestamp { return b.timestamp < a.timestamp }
        return (a.qname, a.id) > (b.qname, b.id)
    }
}
