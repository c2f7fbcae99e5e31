import Analyzer
import Foundation
import Reports
import Testing
import _TestSupport

/// JA3, JA3S and JA4 of every TLS-over-TCP connection in the corpus against
/// `../shared/corpus/fingerprints/` (Salesforce's ja3.py/ja3s.py, FoxIO's ja4.py, tshark and
/// the independent ja4plus, which agree wherever two gave a value).
@Suite(.enabled(if: Corpus.sharedRoot != nil, Comment(rawValue: Corpus.missingMessage)))
struct TLSFingerprintReferenceTests {
    @Test func everyConnectionMatchesTheReference() throws {
        let root = Corpus.sharedRoot!.appendingPathComponent("corpus/fingerprints")
        let files = FileManager.default.enumerator(atPath: root.path)!.compactMap { $0 as? String }
            .filter { $0.hasSuffix(".json") }.sorted()
        #expect(files.count >= 15)
        var compared = 0
        for file in files {
            let reference =
                try JSONSerialization.jsonObject(with: Data(contentsOf: root.appendingPathComponent(file)))
                as? [String: Any] ?? [:]
            let capture = try #require(reference["capture"] as? String)
            let tls = try ReportRun.run(paths: [Corpus.capturePath(capture)], options: ReportOptions()).report.tls
            for want in reference["sessions"] as? [[String: Any]] ?? [] {
                // A stream picked up mid-connection has no hello and no fingerprint.
                guard let client = want["client"] as? String, let server = want["server"] as? String else { continue }
                let rows = tls.sessions.rows.filter {
                    TLSSessionOracleTests.oracleForm($0.client) == client && TLSSessionOracleTests.oracleForm($0.server) == server
                }
                try #require(rows.count == 1, "\(capture) \(client): \(rows.count) sessions")
                let got = rows[0]
                #expect(got.ja3 == want["ja3"] as? String, "\(capture) \(client) ja3")
                #expect(got.ja3s == want["ja3s"] as? String, "\(capture) \(client) ja3s")
                #expect(got.ja4 == want["ja4"] as? String, "\(capture) \(client) ja4")
                if want["ja3"] is String { compared += 1 }
            }
        }
        #expect(compared >= 16)
    }
}
