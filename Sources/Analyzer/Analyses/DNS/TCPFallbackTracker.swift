import DequeModule
import Dissectors

/// Truncated UDP answers (TC bit) and the TCP retries that follow them (RFC 7766 5): a
/// resolver that gets TC asks the same server the same question over TCP. The lookup the
/// application waited for runs from the UDP query to the TCP answer, so that is the latency
/// kept; a TC answer with no TCP retry within the timer means the client used a partial
/// answer or gave up.
struct TCPFallbackTracker {
    /// Same client and server addresses (ports differ: a new TCP connection), same question.
    struct Key: Hashable {
        var client: IPAddress
        var server: IPAddress
        var qtype: UInt16
        /// Lower-cased: resolvers randomise the case of names (DNS 0x20).
        var qname: String
    }
    /// Truncated answers kept at most while they wait for a retry.
    static let capacity = 10_000

    /// Awaiting a retry: the UDP query's time, by question.
    private var pending: [Key: Int64] = [:]
    private var byAge = Deque<(time: Int64, key: Key)>()
    private(set) var retried = 0
    /// From the UDP query to the TCP answer, for lookups that fell back.
    private(set) var latency = LatencyHistogram()

    /// Whether any truncated answer awaits a retry (checked before building a key).
    var isWaiting: Bool { !pending.isEmpty }

    static func key(client: IPAddress, server: IPAddress, qtype: UInt16, qname: String) -> Key {
        Key(client: client, server: server, qtype: qtype, qname: qname.lowercased())
    }

    /// A truncated UDP answer to a query sent at `queryTime`, received at `now`.
    mutating func truncatedAnswer(_ key: Key, queryTime: Int64, now: Int64, timeout: Int64) {
        expire(now: now, timeout: timeout)
        guard pending.count < Self.capacity || pending[key] != nil else { return }
        pending[key] = queryTime
        byAge.append((now, key))
    }

    /// A TCP query: when it retries a truncated answer, the UDP query's time (the lookup's start).
    mutating func tcpQuery(_ key: Key, now: Int64, timeout: Int64) -> Int64? {
        expire(now: now, timeout: timeout)
        guard !pending.isEmpty, let start = pending.removeValue(forKey: key) else { return nil }
        retried += 1
        return start
    }

    /// The TCP answer to a retry: the whole lookup's latency.
    mutating func retryAnswered(start: Int64, now: Int64) {
        latency.record(nanoseconds: now &- start)
    }

    /// A retry must come within the timer of the truncated answer.
    private mutating func expire(now: Int64, timeout: Int64) {
        while let first = byAge.first, now &- first.time > timeout {
            byAge.removeFirst()
            if let start = pending[first.key], start <= first.time { pending[first.key] = nil }
        }
    }
}
