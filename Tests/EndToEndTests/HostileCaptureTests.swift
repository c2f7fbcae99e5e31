import Foundation
import Testing
import _TestSupport

/// Hostile captures run in bounded memory and say what they saw.
struct HostileCaptureTests {
    /// Peak RSS of `loupe` on a run, from GNU time (KB → MB).
    static func peakRSS(_ arguments: [String]) throws -> (status: Int32, stdout: String, megabytes: Double) {
        let report = NSTemporaryDirectory() + "loupe-rss-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: report) }
        let r = try run("/usr/bin/time", ["-o", report, "-f", "%M", LoupeBinary.path] + arguments)
        let kb =
            Double((try String(contentsOfFile: report, encoding: .utf8)).split(separator: "\n").last.map(String.init) ?? "") ?? 0
        return (r.status, r.stdout, kb / 1024)
    }

    /// A million SYNs from random ports under a 100,000-flow cap: every stream is counted,
    /// the overflow is evicted and reported, and memory stays under the documented bound.
    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/usr/bin/time")))
    func millionSynFlood() throws {
        let path = NSTemporaryDirectory() + "loupe-synflood-\(UUID().uuidString).pcap"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try writeSynFlood(count: 1_000_000, to: path)
        let (status, stdout, megabytes) = try Self.peakRSS([
            "report", "--format", "json", "--rows", "10",
            "--max-flows", "100000", path,
        ])
        #expect(status == 0)
        let json = try JSONSerialization.jsonObject(with: Data(stdout.utf8)) as? [String: Any]
        let table = json?["flowTable"] as? [String: Int]
        let tcp = json?["tcp"] as? [String: Any]
        #expect(table?["peakLive"] == 100_000)
        #expect((table?["evicted"] ?? 0) >= 890_000, "evictions reported: \(String(describing: table))")
        #expect((tcp?["connections"] as? Int ?? 0) >= 990_000, "streams still counted")
        #expect(megabytes < 128, "peak RSS \(megabytes) MB")
    }
}

/// Output that cannot be written is an error naming the file and why, exit status 2; a
/// report is written in parts (metrics formats), so a device that refuses the first part
/// shows the same path a full disk would take mid-report.
struct OutputFailureTests {
    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/dev/full")), arguments: ["json", "openmetrics", "text"])
    func fullDeviceIsAnError(format: String) throws {
        let r = try LoupeBinary.run([
            "report", "--format", format, "-o", "/dev/full",
            Fixtures.path("pcaps/dns/search-path.pcapng"),
        ])
        #expect(r.status == 2)
        #expect(r.stderr.contains("cannot write /dev/full: No space left on device"), "\(r.stderr)")
        #expect(FileManager.default.fileExists(atPath: "/dev/full"))  // a device is never removed
    }

    /// A file that stops growing mid-report (the file-size limit, as a full disk would):
    /// the error is told and the partial file removed, not left to be read as a report.
    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/bin/sh")))
    func partialFileIsRemoved() throws {
        let path = NSTemporaryDirectory() + "loupe-partial-\(UUID().uuidString).om"
        defer { try? FileManager.default.removeItem(atPath: path) }
        // 4-8 KB allowed (the report is 20 KB); SIGXFSZ ignored so the write fails with EFBIG instead of killing.
        let script = "ulimit -f 8; trap '' XFSZ; exec \"$0\" \"$@\""
        let r = try run(
            "/bin/sh",
            [
                "-c", script, LoupeBinary.path, "report", "--format", "openmetrics", "-o", path,
                Fixtures.path("pcaps/dns/search-path.pcapng"),
            ])
        #expect(r.status == 2)
        #expect(r.stderr.contains("cannot write \(path): File too large"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test func unwritablePathIsAnError() throws {
        let dir = NSTemporaryDirectory() + "loupe-missing-\(UUID().uuidString)/report.json"
        let r = try LoupeBinary.run(["report", "--format", "json", "-o", dir, Fixtures.path("pcaps/dns/search-path.pcapng")])
        #expect(r.status == 2)
        #expect(r.stderr.contains("cannot write \(dir): No such file or directory"), "\(r.stderr)")
    }
}
