import Foundation
import Testing
import _TestSupport

/// Search-path expansion on a capture recorded from glibc's resolver in a pod-like network
/// namespace (fixtures/gen/record-search-path.sh): which lookups wasted what, and the time
/// lost, checked against tshark's own request times for the same capture.
struct SearchPathTests {
    static let capture = "dns/search-path.pcapng"

    /// tshark's first request time (seconds since the epoch) of each query name.
    static func firstRequest() throws -> [String: Double] {
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
        #expect(Set(byName.keys) == ["kubernetes.default", "api.example.com", "web.shop.svc.cluster.local"],
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
}
