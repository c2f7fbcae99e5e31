/// Lookups set aside when a later query took their conversation and ID with another
/// question (see `DNSAnalysis.Key`): a response naming their question still finds them.
///
/// Bounds: 4 per key (the oldest closes), and `DNSAnalysis.maximumSuperseded` in all: past
/// it a lookup is closed (unanswered) instead of set aside, counted in `dropped`. Without
/// the total bound, a flood of queries that each reuse a port and ID once grew the table
/// by one lookup each, for the whole capture.
struct DNSSupersededLookups {
    typealias Transaction = DNSAnalysis.Transaction
    static let perKey = 4

    private var byKey: [DNSAnalysis.Key: [Transaction]] = [:]
    private(set) var count = 0
    private(set) var dropped = 0

    var isEmpty: Bool { byKey.isEmpty }

    subscript(key: DNSAnalysis.Key) -> [Transaction]? { byKey[key] }

    /// Sets `t` aside under `key`; returns the lookups to close now (the key's oldest past
    /// `perKey`, or `t` itself past the total bound).
    mutating func setAside(_ t: Transaction, key: DNSAnalysis.Key) -> Transaction? {
        var aside = byKey[key] ?? []
        if aside.count >= Self.perKey {
            // The key's oldest gives way: the total stays the same.
            let closing = aside.removeFirst()
            aside.append(t)
            byKey[key] = aside
            return closing
        }
        guard count < DNSAnalysis.maximumSuperseded else {
            dropped += 1
            return t
        }
        aside.append(t)
        count += 1
        byKey[key] = aside
        return nil
    }

    /// Replaces the lookups of `key` (after one was answered and taken out).
    mutating func replace(_ key: DNSAnalysis.Key, with aside: [Transaction]) {
        count += aside.count - (byKey[key]?.count ?? 0)
        byKey[key] = aside.isEmpty ? nil : aside
    }

    var all: [Transaction] { Array(byKey.values.joined()) }

    mutating func removeAll() {
        byKey = [:]
        count = 0
    }
}
