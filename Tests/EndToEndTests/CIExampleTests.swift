import Foundation
import Testing
import _TestSupport

/// The plain-shell CI example (docs/ci/replay.sh) run as documented: the failing example
/// rules exit 1 and still leave the HTML report and the JUnit file; the passing ones exit 0.
struct CIExampleTests {
    @Test func replayScript() throws {
        let script = Corpus.packageRoot.appendingPathComponent("docs/ci/replay.sh").path
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-ci-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        let capture = Fixtures.path("pcaps/tls/handshakes.pcapng")
        let rules = { (n: String) in Corpus.packageRoot.appendingPathComponent("examples/rules/\(n)").path }
        let failing = try run(
            "/usr/bin/env",
            [
                "LOUPE=\(LoupeBinary.path)", "OUT=\(out)", "bash", script,
                rules("tls-scenarios-fail.yaml"), capture,
            ])
        #expect(failing.status == 1 && failing.stdout.contains("FAIL tls-clean"))
        let html = try String(contentsOfFile: out + "/report.html", encoding: .utf8)
        #expect(html.hasPrefix("<!DOCTYPE html>") && html.contains("TLS handshakes failed"))
        #expect(try String(contentsOfFile: out + "/junit.xml", encoding: .utf8).contains("<failure"))
        let passing = try run(
            "/usr/bin/env",
            [
                "LOUPE=\(LoupeBinary.path)", "OUT=\(out)", "bash", script,
                rules("tls-scenarios-pass.yaml"), capture,
            ])
        #expect(passing.status == 0)
    }
}
