import Foundation
import Testing
import _TestSupport

/// `loupe report` text: sections selectable, colour only on a terminal and never with
/// NO_COLOR (here through `script`, which gives the binary a pseudo-terminal).
struct TextReportTests {
    static let capture = Fixtures.path("pcaps/tls/handshakes.pcapng")

    @Test func sections() throws {
        let r = try LoupeBinary.run(["report", "--section", "findings,tls", Self.capture])
        #expect(r.status == 0 && r.stdout.contains("Findings:") && r.stdout.contains("TLS: 11 connections"))
        #expect(!r.stdout.contains("DNS: 0 queries") && !r.stdout.contains("TCP: 11 connections"))
        let only = try LoupeBinary.run(["report", "--section", "dns", Self.capture])
        #expect(only.stdout.contains("DNS: 0 queries") && !only.stdout.contains("Findings:"))
        #expect(try LoupeBinary.run(["report", "--section", "bogus", Self.capture]).status == 2)
    }

    @Test func colourOnlyOnATerminal() throws {
        let piped = try LoupeBinary.run(["report", Self.capture])
        #expect(!piped.stdout.contains("\u{1B}["), "a pipe gets no escape codes")
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/script") else { return }
        let command = "\(LoupeBinary.path) report --section findings \(Self.capture)"
        let tty = try run("/usr/bin/env", ["-u", "NO_COLOR", "/usr/bin/script", "-qec", command, "/dev/null"])
        #expect(tty.stdout.contains("\u{1B}[31mCRITICAL"), "red for critical on a terminal")
        let noColor = try run("/usr/bin/env", ["NO_COLOR=1", "/usr/bin/script", "-qec", command, "/dev/null"])
        #expect(noColor.stdout.contains("CRITICAL") && !noColor.stdout.contains("\u{1B}[31m"))
    }

    /// Every line fits 100 columns (long names and lists wrap; nothing is cut).
    @Test func fitsOneHundredColumns() throws {
        for args in [
            [Self.capture],
            ["--pods", Fixtures.path("pods/apiserver.kubectl.json"), Fixtures.path("pcaps/pods/apiserver.pcapng")],
            [Fixtures.path("pcaps/dns/search-path.pcapng")],
        ] {
            let r = try LoupeBinary.run(["report"] + args)
            let long: [String] = r.stdout.split(separator: "\n").map { String($0) }.filter { $0.count > 100 }
            let first = long.first ?? ""
            #expect(long.isEmpty, "\(first)")
        }
        let r = try LoupeBinary.run(["report", Self.capture])
        #expect(r.stdout.contains("x-loupe-split-29"), "the wrapped ALPN list keeps its last value")
    }
}
