import Foundation
import Testing
import _TestSupport

/// Search-path expansion on a capture recorded from glibc's resolver in a pod-like network
/// namespace (fixtures/gen/record-search-path.sh): which lookups wasted what, and the time
/// lost, checked against tshark's own request times for the same capture.
struct SearchPathTests {
    static let capture = "dns/search-path.pcapng"

    /// tshark's first request time (seconds since the epoch) of each query name.
    static func firstRequest(_ capture: String = capture) throws -> [String: Double] {
        let oracle = try Fixtures.oracle(capture)
        var out: [String: Double] = [:]
        for t in (oracle["dns"] as? [String: Any])?["transactions"] as? [[String: Any]] ?? [] {
            guard let name = t["qname"] as? String, let time = Double(t["request_time_epoch"] as? String ?? "") else { continue }
            out[name] = min(out[name] ?? .infinity, time)
        }
        return out
    }

    @Test func chainsWasteAndTimeLost() throws {
        let (status, report) = try LoupeBinary.json(["report", "--format", "json", Fixtures.path("pcaps/" + Self.capture)])
        #expect(status == 0)
        let section = try #require((report["dns"] as? [String: Any])?["searchPath"] as? [String: Any])
        #expect(section["chains"] as? Int == 3)
        // A and AAAA for each failed expansion: kubernetes.default 1, the others 3 each.
        #expect(section["wastedQueries"] as? Int == 14)
        #expect((section["advice"] as? String)?.contains("trailing dot") == true)
        let rows = ((section["names"] as? [String: Any])?["rows"] as? [[String: Any]]) ?? []
        let byName = Dictionary(uniqueKeysWithValues: rows.map { ($0["name"] as? String ?? "", $0) })
        #expect(
            Set(byName.keys) == ["kubernetes.default", "api.example.com", "web.shop.svc.cluster.local"],
            "the trailing-dot lookup (api.example.com.) wastes nothing")
        #expect(byName["kubernetes.default"]?["resolvedAs"] as? String == "kubernetes.default.svc.cluster.local")
        #expect(byName["api.example.com"]?["wastedQueries"] as? Int == 6)
        let first = try Self.firstRequest()
        let expected: [(String, String, String)] = [
            ("kubernetes.default", "kubernetes.default.default.svc.cluster.local", "kubernetes.default.svc.cluster.local"),
            ("api.example.com", "api.example.com.default.svc.cluster.local", "api.example.com"),
            ("web.shop.svc.cluster.local", "web.shop.svc.cluster.local.default.svc.cluster.local", "web.shop.svc.cluster.local"),
        ]
        for (name, firstAttempt, resolved) in expected {
            let lost = try #require(first[resolved]) - (try #require(first[firstAttempt]))
            let ours = try #require(byName[name]?["timeLost"] as? Double)
            #expect(abs(ours - lost) < 1e-6, "\(name): time lost \(ours) vs \(lost) from tshark's request times")
        }
    }

    /// The node's host search domains after the cluster ones (fixtures/gen/record-host-search.sh):
    /// `db` resolves as `db.corp.example` after 3 cluster and 1 host expansion; `api.example.com`
    /// resolves bare after 3 cluster and 2 host expansions; A and AAAA each.
    @Test func hostSearchDomains() throws {
        let capture = "dns/host-search.pcapng"
        let (status, report) = try LoupeBinary.json(["report", "--format", "json", Fixtures.path("pcaps/" + capture)])
        #expect(status == 0)
        let section = try #require((report["dns"] as? [String: Any])?["searchPath"] as? [String: Any])
        #expect(section["chains"] as? Int == 2 && section["wastedQueries"] as? Int == 18)
        let rows = ((section["names"] as? [String: Any])?["rows"] as? [[String: Any]]) ?? []
        let byName = Dictionary(uniqueKeysWithValues: rows.map { ($0["name"] as? String ?? "", $0) })
        #expect(byName["db"]?["resolvedAs"] as? String == "db.corp.example" && byName["db"]?["wastedQueries"] as? Int == 8)
        #expect(
            byName["api.example.com"]?["resolvedAs"] as? String == "api.example.com"
                && byName["api.example.com"]?["wastedQueries"] as? Int == 10)
        let first = try Self.firstRequest(capture)
        for (name, firstAttempt, resolved) in [
            ("db", "db.default.svc.cluster.local", "db.corp.example"),
            ("api.example.com", "api.example.com.default.svc.cluster.local", "api.example.com"),
        ] {
            let lost = try #require(first[resolved]) - (try #require(first[firstAttempt]))
            let ours = try #require(byName[name]?["timeLost"] as? Double)
            #expect(abs(ours - lost) < 1e-6, "\(name): time lost \(ours) vs \(lost) from tshark's request times")
        }
    }
}
