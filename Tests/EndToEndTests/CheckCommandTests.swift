import Foundation
import Testing
import _TestSupport

/// `loupe check` on the recorded TLS scenarios: a rules file that should fail exits 1 naming
/// the failed rules and their values, one that should pass exits 0, damaged input exits 3
/// with the offset, and the JUnit file is read by a real JUnit consumer (junitparser).
struct CheckCommandTests {
    static let capture = Fixtures.path("pcaps/tls/handshakes.pcapng")
    static func rules(_ name: String) -> String { Corpus.packageRoot.appendingPathComponent("examples/rules/\(name)").path }

    @Test func failingAndPassingRules() throws {
        let junit = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-junit-\(getpid()).xml").path
        defer { try? FileManager.default.removeItem(atPath: junit) }
        let failing = try LoupeBinary.run([
            "check", "--rules", Self.rules("tls-scenarios-fail.yaml"), "--junit", junit, Self.capture,
        ])
        #expect(failing.status == 1)
        #expect(failing.stdout.contains("FAIL tls-clean: tls.failures.total = 5, wanted == 0"))
        #expect(failing.stdout.contains("FAIL no-version-mismatch: tls.failures.versionMismatch = 1, wanted == 0"))
        #expect(failing.stdout.contains("PASS handshakes-fast") && failing.stdout.hasSuffix("4 rules: 2 passed, 2 failed\n"))
        let passing = try LoupeBinary.run(["check", "--rules", Self.rules("tls-scenarios-pass.yaml"), Self.capture])
        #expect(passing.status == 0 && passing.stdout.hasSuffix("4 rules: 4 passed, 0 failed\n"))

        let json = try LoupeBinary.json([
            "check", "--format", "json", "--rules", Self.rules("tls-scenarios-fail.yaml"), Self.capture,
        ])
        #expect(json.status == 1 && json.json["schema"] as? String == "loupe.check/1" && json.json["passed"] as? Bool == false)
        #expect((json.json["rules"] as? [[String: Any]])?.first?["value"] as? Double == 5)

        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/python3"),
            (try? run("/usr/bin/python3", ["-c", "import junitparser"]).status) == 0
        else { return }
        let read = try run(
            "/usr/bin/python3",
            [
                "-c",
                """
                import sys, junitparser
                xml = junitparser.JUnitXml.fromfile(sys.argv[1])
                for suite in xml:
                    print(suite.name, suite.tests, suite.failures)
                    for case in suite:
                        print(case.name, "FAILED" if not case.is_passed else "passed", case.result[0].message if case.result else "")
                """, junit,
            ])
        #expect(read.status == 0, "\(read.stderr)")
        #expect(read.stdout.contains("loupe check 4 2"))
        #expect(read.stdout.contains("tls-clean FAILED tls.failures.total = 5, wanted == 0"))
        #expect(read.stdout.contains("handshakes-fast passed"))
    }

    @Test func damagedInput() throws {
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: Self.capture)))
        let cut = temporaryFile(Array(bytes.prefix(bytes.count - 300)), suffix: ".pcapng")
        let r = try LoupeBinary.run(["check", "--rules", Self.rules("tls-scenarios-pass.yaml"), cut])
        #expect(r.status == 3 && r.stderr.contains("damaged at byte"), "\(r.stderr)")
        #expect(r.stdout.contains("rules:"), "the verdicts are still written")
        let allowed = try LoupeBinary.run(["check", "--allow-damaged", "--rules", Self.rules("tls-scenarios-pass.yaml"), cut])
        #expect(
            allowed.status == 0 && allowed.stdout.hasSuffix("4 rules: 4 passed, 0 failed\n"),
            "the partial results judged: the rules still hold")
    }

    @Test func badRulesAreAUsageErrorBeforeReading() throws {
        let bad = temporaryFile(Array("rules:\n  - name: x\n    condition: dns.nope < 1\n".utf8), suffix: ".yaml")
        let r = try LoupeBinary.run(["check", "--rules", bad, "/nonexistent.pcap"])
        #expect(r.status == 2 && r.stderr.contains(bad + ":3:16: rule `x`: the report has no value `dns.nope`"), "\(r.stderr)")
    }

    /// Rule names and values with markup reach the JUnit file escaped; a real consumer reads it.
    @Test func junitEscapes() throws {
        let rules = temporaryFile(
            Array("rules:\n  - name: \"<b>&'quoted\\\"</b>\"\n    condition: tls.failures.total == 0\n".utf8), suffix: ".yaml")
        let junit = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-junit-esc-\(getpid()).xml").path
        defer { try? FileManager.default.removeItem(atPath: junit) }
        let r = try LoupeBinary.run(["check", "--rules", rules, "--junit", junit, Self.capture])
        #expect(r.status == 1, "\(r.stderr)")
        let xml = try String(contentsOfFile: junit, encoding: .utf8)
        #expect(xml.contains("&lt;b&gt;&amp;&apos;quoted&quot;&lt;/b&gt;") && !xml.contains("<b>"))
        guard (try? run("/usr/bin/python3", ["-c", "import junitparser"]).status) == 0 else { return }
        let read = try run(
            "/usr/bin/python3",
            [
                "-c",
                "import sys, junitparser\nfor s in junitparser.JUnitXml.fromfile(sys.argv[1]):\n  for c in s: print(c.name)",
                junit,
            ])
        #expect(read.stdout.contains("<b>&'quoted\"</b>"), "\(read.stdout)\(read.stderr)")
    }
}
