import Foundation
import Testing
import _TestSupport

/// Durations take units everywhere (`500ms`, `6s`, `5m`, `1h`); a bare number keeps the
/// option's documented unit (seconds for `--duration` and `--dns-timeout`, milliseconds for
/// `--min-latency`).
struct DurationOptionTests {
    static let capture = Fixtures.path("pcaps/dns/search-path.pcapng")

    @Test func dnsTimeoutWithAndWithoutUnits() throws {
        let bare = try LoupeBinary.run(["report", "--format", "json", "--dns-timeout", "2.5", Self.capture])
        let ms = try LoupeBinary.run(["report", "--format", "json", "--dns-timeout", "2500ms", Self.capture])
        let s = try LoupeBinary.run(["report", "--format", "json", "--dns-timeout", "2.5s", Self.capture])
        #expect(bare.status == 0 && ms.status == 0 && s.status == 0)
        #expect(bare.stdout == ms.stdout && ms.stdout == s.stdout)
        let bad = try LoupeBinary.run(["report", "--dns-timeout", "soon", Self.capture])
        #expect(bad.status == 2)
    }

    @Test func minLatencyBareIsMilliseconds() throws {
        let pair = ["fixtures/pcaps/diff/clean.pcapng", "fixtures/pcaps/diff/impaired.pcapng"].map {
            Fixtures.path(String($0.dropFirst(9)))
        }
        let bare = try LoupeBinary.run(["diff", "--format", "json", "--min-latency", "5"] + pair)
        let unit = try LoupeBinary.run(["diff", "--format", "json", "--min-latency", "5ms"] + pair)
        let seconds = try LoupeBinary.run(["diff", "--format", "json", "--min-latency", "0.005s"] + pair)
        #expect(bare.stdout == unit.stdout && unit.stdout == seconds.stdout && !bare.stdout.isEmpty)
    }

    /// `--duration 6s` parses (the run then stops at the next check, the snaplen's).
    @Test func agentDurationTakesUnits() throws {
        let agent = URL(fileURLWithPath: LoupeBinary.path).deletingLastPathComponent().appendingPathComponent("loupe-agent").path
        guard FileManager.default.isExecutableFile(atPath: agent) else { return }
        for value in ["6s", "500ms", "5m", "6"] {
            let r = try run(
                agent,
                [
                    "record", "--interface", "lo", "--output", "/nonexistent/x", "--duration", value,
                    "--snaplen", "10",
                ])
            #expect(r.status == 2 && r.stderr.contains("--snaplen must be at least 64"), "\(value): \(r.stderr)")
        }
        let bad = try run(agent, ["record", "--interface", "lo", "--output", "/nonexistent/x", "--duration", "6 seconds"])
        #expect(bad.status == 2 && !bad.stderr.contains("--snaplen"))
    }
}
