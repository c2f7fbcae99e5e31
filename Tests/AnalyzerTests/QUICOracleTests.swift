import Analyzer
import Reports
import Testing
import _TestSupport

/// QUIC packets and long-header versions against tshark 4.0 (oracle `quic`) on every corpus
/// capture: the two with QUIC (v1 and v2) and all the others, where Loupe must find none.
@Suite(.enabled(if: Corpus.sharedRoot != nil, Comment(rawValue: Corpus.missingMessage)))
struct QUICOracleTests {
    @Test func everyCaptureMatchesTheOracle() throws {
        var withQUIC = 0
        for capture in Corpus.oracleCaptures() {
            guard let want = try Corpus.oracle(capture)["quic"] as? [String: Any] else { continue }
            let quic = try ReportRun.run(paths: [Corpus.capturePath(capture)], options: ReportOptions()).report.tls.quic
            #expect(quic.packets == want["packets"] as? Int, "\(capture)")
            #expect(quic.versions == want["versions"] as? [String: Int] ?? [:], "\(capture)")
            if quic.packets > 0 { withQUIC += 1 }
        }
        #expect(withQUIC == 2)
    }
}
