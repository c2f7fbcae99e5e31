import Analyzer
import Foundation
import Reports
import Testing
import _TestSupport

/// The findings that lead every report: which fire on the recorded fixtures, capture
/// quality first, stable ids and severities.
struct FindingsTests {
    static func report(_ path: String, metadata: [String] = []) throws -> Report {
        var options = ReportOptions()
        options.metadataPaths = metadata
        return try ReportRun.run(paths: [path], options: options).report
    }

    @Test func tlsScenarios() throws {
        let r = try Self.report(Fixtures.path("pcaps/tls/handshakes.pcapng"))
        #expect(r.findings.map(\.id) == ["tls.certificateExpired", "tls.failures", "tcp.resets", "tls.certificateExpiring"])
        #expect(r.findings.map(\.severity) == [.critical, .critical, .warning, .warning])
        let failures = try #require(r.findings.first { $0.id == "tls.failures" })
        #expect(failures.title == "5 of 11 TLS handshakes failed (version mismatch 1, no common parameters 1, alert 1, "
                + "reset after ClientHello 1, no ServerHello 1)")
    }

    @Test func searchPathWaste() throws {
        let r = try Self.report(Fixtures.path("pcaps/dns/search-path.pcapng"))
        #expect(r.findings.map(\.id) == ["dns.searchPath"])
        #expect(r.findings[0].title == "14 of 22 DNS queries (63.6%) were wasted on search-path expansion")
    }

    @Test func captureQualityComesFirst() throws {
        var r = try Self.report(Fixtures.path("pcaps/tls/handshakes.pcapng"))
        r.inputs[0].damage = DamageSummary(offset: 4096, message: "record length 99999999 past the end")
        r.inputs[0].captureDrops = 12
        r.attribution.metadata = ["pods.json"]
        (r.attribution.flows, r.attribution.resolvedFlowShare) = (10, 0.5)
        let ids = FindingsBuilder.findings(r).map(\.id)
        #expect(Array(ids.prefix(3)) == ["capture.damaged", "capture.drops", "capture.attribution"])
        #expect(ids.count == 7)
    }

    @Test func quietOnAHealthyCapture() throws {
        let r = try Self.report(Fixtures.path("pcaps/pods/apiserver.pcapng"), metadata: [Fixtures.path("pods/apiserver.kubectl.json")])
        #expect(r.findings.map(\.id) == ["dns.searchPath"], "the pods' search-path NXDOMAINs, nothing else")
    }
}
