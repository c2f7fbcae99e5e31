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
        let kb = Double((try String(contentsOfFile: report, encoding: .utf8)).split(separator: "\n").last.map(String.init) ?? "") ?? 0
        return (r.status, r.stdout, kb / 1024)
    }

    /// A million SYNs from random ports under a 100,000-flow cap: every stream is counted,
    /// the overflow is evicted and reported, and memory stays under the documented bound.
    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/usr/bin/time")))
    func millionSynFlood() throws {
        let path = NSTemporaryDirectory() + "loupe-synflood-\(UUID().uuidString).pcap"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try writeSynFlood(count: 1_000_000, to: path)
        let (status, stdout, megabytes) = try Self.peakRSS(["report", "--format", "json", "--rows", "10",
                                                            "--max-flows", "100000", path])
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
