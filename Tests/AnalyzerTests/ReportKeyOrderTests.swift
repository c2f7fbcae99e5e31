@testable import Analyzer
import Foundation
import Reports
import Testing
import _TestSupport

/// The report's row types declare `CodingKeys` in key order so that the JSON writer never
/// reorders their members (it was most of writing the rows). A property left out of them
/// would silently leave the JSON: every stored property must be a key, and every key one.
struct ReportKeyOrderTests {
    static func check<T: Encodable>(_ value: T, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let labels = Mirror(reflecting: value).children.compactMap(\.label).map {
            $0.hasPrefix("_") ? String($0.dropFirst()) : $0
        }
        let object = try JSONSerialization.jsonObject(with: JSONEncoder().encode(value)) as? [String: Any]
        #expect(Set(labels) == Set(object?.keys ?? [:].keys), "\(T.self)", sourceLocation: sourceLocation)
        #expect(labels.count == object?.count, "\(T.self)", sourceLocation: sourceLocation)
    }

    @Test func everyPropertyIsAKey() throws {
        let p = Percentiles(count: 1, p50: 1, p90: 1, p95: 1, p99: 1, max: 1)
        try Self.check(p)
        try Self.check(TLSSessionRow())
        try Self.check(APIExchangeRow())
        try Self.check(APIClientRow())
        try Self.check(NameCount(name: "a", count: 1))
        try Self.check(DNSGroupRow(key: "k", transactions: 1, unanswered: 0, errors: 0, latency: p))
        try Self.check(SearchPathRow(client: "c", name: "n", resolvedAs: "r", chains: 1, wastedQueries: 1, timeLost: 0))
        try Self.check(TLSGroupRow(key: "k", handshakes: 1, failures: 0, handshakeLatency: p, clientHelloToServerHello: p))
        let tls = try ReportRun.run(paths: [Fixtures.path("pcaps/tls/handshakes.pcapng")], options: ReportOptions()).report
        let certificate = try #require(tls.tls.sessions.rows.compactMap(\.certificate).first)
        try Self.check(certificate)
        try Self.check(try #require(tls.tcp.flows.rows.first))
        let dns = try ReportRun.run(paths: [Fixtures.path("pcaps/dns/search-path.pcapng")], options: ReportOptions()).report
        try Self.check(try #require(dns.dns.transactionList.rows.first))
    }
}
