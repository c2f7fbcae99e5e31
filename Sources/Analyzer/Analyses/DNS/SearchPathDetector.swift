import Dissectors

/// Kubernetes search-path expansion (`ndots:5`): a pod's resolver tries
/// `name.<ns>.svc.<cluster>`, `name.svc.<cluster>`, `name.<cluster>`, then `name`, and every
/// NXDOMAIN before the name that resolves is a wasted round trip.
///
/// A chain is found per client from answered transactions: NXDOMAIN answers for names
/// that are a base plus a cluster suffix, closed by the first non-NXDOMAIN answer for that
/// base (bare, or with a suffix). Waste = queries for expansions other than the name that
/// resolved (both A and AAAA: resolvers ask both); time lost = from the chain's first query
/// to the first query for the resolving name.
struct SearchPathDetector {
    struct Attempt {
        var qname: String
        var time: Int64
        var bases: [String]
    }

    struct Chain: Hashable {
        var client: IPAddress
        var base: String
        var resolvedAs: String
    }

    let clusterDomain: String
    /// NXDOMAIN answers not yet part of a chain, per client; forgotten after `window`.
    private var pending: [IPAddress: [Attempt]] = [:]
    static let window: Int64 = 10_000_000_000
    static let maximumPerClient = 64
    static let maximumClients = 10_000
    /// Per (client, base, resolved name): chains, wasted queries, nanoseconds lost.
    private(set) var chains: [Chain: (count: Int, wasted: Int, lost: Int64)] = [:]
    static let maximumChains = 10_000
    /// Times the resolving name was asked, per client (for the time-lost start).
    private var firstAsked: [IPAddress: [String: Int64]] = [:]

    init(clusterDomain: String = "cluster.local") {
        self.clusterDomain = clusterDomain.hasSuffix(".") ? String(clusterDomain.dropLast()) : clusterDomain
    }

    /// Bases of `name` under the cluster search list: `x.<ns>.svc.<cd>` -> x, `x.svc.<cd>` -> x,
    /// `x.<cd>` -> x (names are compared case-insensitively, as DNS does).
    func bases(_ name: String) -> [String] {
        let lower = name.lowercased()
        var out: [String] = []
        let cd = "." + clusterDomain, svc = ".svc" + cd
        if lower.hasSuffix(svc) {
            let head = String(lower.dropLast(svc.count))
            out.append(head)
            if let dot = head.lastIndex(of: ".") { out.append(String(head[..<dot])) }  // strip the namespace
        }
        if lower.hasSuffix(cd) { out.append(String(lower.dropLast(cd.count))) }
        return out.filter { !$0.isEmpty }
    }

    /// One answered transaction (in response order).
    mutating func answered(client: IPAddress, qname: String, queryTime: Int64, nxdomain: Bool) {
        // Fast path: a resolving answer with no expansion pending for this client (most).
        if !nxdomain && pending[client] == nil { return }
        let name = qname.lowercased()
        if nxdomain && firstAsked.count < Self.maximumClients {
            // Remember when each expansion was first asked (a resolving name is asked at
            // its own query time, passed with the resolving answer).
            if firstAsked[client]?[name] == nil {
                if (firstAsked[client]?.count ?? 0) >= Self.maximumPerClient * 4 { firstAsked[client] = nil }
                firstAsked[client, default: [:]][name] = queryTime
            }
        }
        var list = pending[client] ?? []
        list.removeAll { queryTime &- $0.time > Self.window }
        if nxdomain {
            let b = bases(name)
            if !b.isEmpty && (pending[client] != nil || pending.count < Self.maximumClients) {
                if list.count >= Self.maximumPerClient { list.removeFirst() }
                list.append(Attempt(qname: name, time: queryTime, bases: b))
            }
            pending[client] = list
            return
        }
        // A resolving answer: which pending expansions were attempts at the same base?
        let candidates = Set(bases(name) + [name])
        var base: String?
        var wasted = 0
        var start = queryTime
        list.removeAll { attempt in
            guard attempt.qname != name, let shared = attempt.bases.first(where: candidates.contains) else { return false }
            base = base ?? shared
            wasted += 1
            start = min(start, attempt.time)
            return true
        }
        pending[client] = list.isEmpty ? nil : list
        guard let base, wasted > 0 else { return }
        let asked = min(firstAsked[client]?[name] ?? queryTime, queryTime)
        let key = Chain(client: client, base: base, resolvedAs: name)
        guard chains[key] != nil || chains.count < Self.maximumChains else { return }
        var entry = chains[key] ?? (0, 0, 0)
        entry.count += 1
        entry.wasted += wasted
        entry.lost += max(0, asked &- start)
        chains[key] = entry
    }
}
