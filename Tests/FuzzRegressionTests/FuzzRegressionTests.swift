import Foundation
import FuzzTargets
import Testing
import _TestSupport

/// Every input the fuzzers found a problem with (fixtures/fuzz/<target>/), and every
/// capture of the corpus, replayed through the fuzz targets: none may trap.
struct FuzzRegressionTests {
    @Test func committedFindings() throws {
        let root = Fixtures.path("fuzz")
        for target in FuzzTargets.names {
            let dir = root + "/" + target
            for name in ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).sorted() {
                let data = try Data(contentsOf: URL(fileURLWithPath: dir + "/" + name))
                data.withUnsafeBytes { FuzzTargets.run(target, $0) }
            }
        }
    }

    /// The seeds the fuzz script starts from go through every target once.
    @Test func fixturesThroughEveryTarget() throws {
        let inputs = [
            "pcaps/tls/handshakes.pcapng", "pcaps/dns/search-path.pcapng", "pods/churn.sidecar.json",
            "pods/apiserver.kubectl.json", "golden/cases.tsv", "bundles/pods/events.jsonl",
        ].map(Fixtures.path)
        for path in inputs {
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            for target in FuzzTargets.names { data.withUnsafeBytes { FuzzTargets.run(target, $0) } }
        }
    }

    /// The corpus's crash reproducers (MANIFEST.tsv: "FUZZ", "reproducer", "malformed",
    /// "heapoverflow"), and every other corpus capture, through the whole report and every
    /// renderer: none may trap.
    @Test(.enabled(if: Corpus.sharedRoot != nil, Comment(rawValue: Corpus.missingMessage)))
    func corpusThroughTheCaptureTarget() throws {
        let manifest = try String(
            contentsOf: Corpus.sharedRoot!.appendingPathComponent("corpus/public/MANIFEST.tsv"), encoding: .utf8)
        let reproducers = manifest.split(separator: "\n").filter { line in
            ["FUZZ", "reproduc", "malformed", "heapoverflow"].contains { line.contains($0) }
        }
        #expect(reproducers.count >= 6)
        for capture in Corpus.oracleCaptures() {
            let data = try Data(contentsOf: URL(fileURLWithPath: Corpus.capturePath(capture)))
            guard data.count < 2_000_000 else { continue }
            data.withUnsafeBytes { FuzzTargets.run("capture", $0) }
        }
    }
}
