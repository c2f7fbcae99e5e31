import Foundation
import Testing
import _TestSupport

/// One hostile capture per bounded table (docs/bounds.md), each past its bound: the report
/// says what it left out, and peak memory stays within the 256 MiB budget.
struct HostileBoundsTests {
    static let budgetMB = 256.0

    /// Frames at 10 µs steps into a pcap in the test's temporary folder.
    final class Capture {
        var records: [(seconds: UInt32, fraction: UInt32, data: [UInt8], original: Int?)] = []
        var step = 0
        func add(_ frame: [UInt8], original: Int? = nil) {
            let micros = 1_800_000_000 * 1_000_000 as UInt64 + UInt64(step) * 10
            records.append((UInt32(micros / 1_000_000), UInt32(micros % 1_000_000), frame, original))
            step += 1
        }
        func write() -> String { temporaryFile(Frames.pcapFile(snaplen: 262_144, records: records), suffix: ".pcap") }
    }

    static func ethernet(
        _ src: [UInt8], _ dst: [UInt8], _ proto: UInt8, _ payload: [UInt8], id: UInt16 = 1,
        offset: Int = 0, more: Bool = false
    ) -> [UInt8] {
        Frames.ethernet(
            type: 0x0800,
            Frames.ipv4(
                src: src, dst: dst, proto: proto, payload, id: id,
                fragmentOffset: offset, moreFragments: more))
    }

    static func client(_ i: Int) -> [UInt8] { [10, UInt8(100 + (i >> 16) & 0x3F), UInt8(i >> 8 & 0xFF), UInt8(i & 0xFF)] }

    static func dnsQuery(id: UInt16, name: String) -> [UInt8] {
        var q = Frames.be16(id) + [1, 0, 0, 1, 0, 0, 0, 0, 0, 0]
        for label in name.split(separator: ".") { q += [UInt8(label.utf8.count)] + Array(label.utf8) }
        return q + [0, 0, 1, 0, 1]
    }

    /// Runs the report; returns its JSON, warnings joined, and peak RSS in MB.
    static func report(_ path: String, _ extra: [String] = []) throws -> (json: [String: Any], warnings: String, mb: Double) {
        let (status, stdout, mb) = try HostileCaptureTests.peakRSS(
            ["report", "--format", "json", "--rows", "5"] + extra + [path])
        #expect(status == 0)
        let json = try JSONSerialization.jsonObject(with: Data(stdout.utf8)) as? [String: Any] ?? [:]
        let warnings = (json["warnings"] as? [String] ?? []).joined(separator: "\n")
        #expect(mb < budgetMB, "peak RSS \(mb) MB")
        return (json, warnings, mb)
    }

    static let enabled = FileManager.default.fileExists(atPath: "/usr/bin/time")

    /// Live flows at the default cap (150,000): 200,000 SYNs, the rest evicted.
    @Test(.enabled(if: enabled)) func flowsPastTheDefaultCap() throws {
        let path = temporaryFile([], suffix: ".pcap")
        try writeSynFlood(count: 200_000, to: path)
        let (json, _, _) = try Self.report(path)
        let table = json["flowTable"] as? [String: Int]
        #expect(table?["peakLive"] == 150_000 && table?["maximumLive"] == 150_000)
        #expect((table?["evicted"] ?? 0) > 0)
    }

    /// DNS: 120,000 unanswered queries from distinct ports (pending past 100,000), and 12,000
    /// ports whose lookups each set aside the one before (past 10,000 set aside).
    @Test(.enabled(if: enabled)) func dnsPendingAndSupersededPastTheirBounds() throws {
        let c = Capture()
        let server: [UInt8] = [10, 96, 0, 10]
        for i in 0..<120_000 {
            c.add(
                Self.ethernet(
                    Self.client(i), server, 17,
                    Frames.udp(
                        sport: UInt16(10_000 + i % 50_000), dport: 53,
                        Self.dnsQuery(id: UInt16(i & 0xFFFF), name: "q\(i).example"))))
        }
        let first = try Self.report(c.write())
        #expect(first.warnings.contains("DNS queries not tracked: more than 100000 were pending at once"), "\(first.warnings)")

        let d = Capture()
        for i in 0..<12_000 {
            for name in ["a.example", "b.example"] {
                d.add(
                    Self.ethernet(
                        Self.client(i), server, 17,
                        Frames.udp(sport: 20_000, dport: 53, Self.dnsQuery(id: 7, name: name))))
            }
        }
        let second = try Self.report(d.write())
        #expect(
            second.warnings.contains("DNS lookups closed early: more than 10000 lookups were set aside"), "\(second.warnings)")
    }

    /// DNS over TCP: 5,000 connections open at once (past 4,096), and 200 connections each
    /// holding most of a 64 KB message (past the 8 MiB of framing buffers).
    @Test(.enabled(if: enabled)) func dnsOverTCPPastItsBounds() throws {
        let c = Capture()
        let server: [UInt8] = [10, 96, 0, 10]
        for i in 0..<5_000 {
            let port = UInt16(20_000 + i % 40_000)
            c.add(Self.ethernet(Self.client(i), server, 6, Frames.tcp(sport: port, dport: 53, seq: 100, flags: 0x02)))
            c.add(
                Self.ethernet(
                    Self.client(i), server, 6,
                    Frames.tcp(
                        sport: port, dport: 53, seq: 101, ack: 1, flags: 0x18,
                        [0, 40] + [UInt8](repeating: 0, count: 10))))
        }
        for i in 0..<200 {
            let port = UInt16(5_000 + i)
            let src = Self.client(100_000 + i)
            c.add(Self.ethernet(src, server, 6, Frames.tcp(sport: port, dport: 53, seq: 100, flags: 0x02)))
            var seq: UInt32 = 101
            var chunk: [UInt8] = [0xFF, 0xFF] + [UInt8](repeating: 1, count: 1398)
            for _ in 0..<44 {  // 61,600 bytes of a 65,535-byte message
                c.add(Self.ethernet(src, server, 6, Frames.tcp(sport: port, dport: 53, seq: seq, ack: 1, flags: 0x10, chunk)))
                seq &+= UInt32(chunk.count)
                chunk = [UInt8](repeating: 1, count: 1400)
            }
        }
        let (json, warnings, _) = try Self.report(c.write())
        #expect(warnings.contains("DNS-over-TCP connections not decoded to their end: more than 4096"), "\(warnings)")
        let dns = json["dns"] as? [String: Any]
        #expect((dns?["tcpStreamGaps"] as? Int ?? 0) > 0, "the framing budget broke some directions")
    }

    /// IP fragments: 1,000 datagrams never completed (past 128 in reassembly).
    @Test(.enabled(if: enabled)) func ipDatagramsPastTheirBound() throws {
        let c = Capture()
        for i in 0..<1_000 {
            c.add(
                Self.ethernet([10, 0, 0, 1], [10, 0, 0, 2], 17, [UInt8](repeating: 0, count: 1480), id: UInt16(i), more: true))
        }
        let (_, warnings, _) = try Self.report(c.write())
        let kept = 128  // MemoryBudget.ipDatagrams (BoundsTableTests checks the table says so)
        #expect(
            warnings.contains("\(1_000 - kept) IP fragments dropped: more than \(kept) datagrams in reassembly"), "\(warnings)")
    }

    /// Plain HTTP to an API server: 60 connections of 1,000 pipelined requests (past 50,000
    /// over all) and one of 1,200 (past 1,000 on one connection).
    @Test(.enabled(if: enabled)) func plainHTTPPastItsBounds() throws {
        let c = Capture()
        let server: [UInt8] = [10, 96, 0, 1]
        let request = Array("GET /api/v1/pods HTTP/1.1\r\nHost: k\r\n\r\n".utf8)
        for conn in 0..<61 {
            let src = Self.client(conn), port = UInt16(30_000 + conn)
            c.add(Self.ethernet(src, server, 6, Frames.tcp(sport: port, dport: 8080, seq: 100, flags: 0x02)))
            c.add(Self.ethernet(server, src, 6, Frames.tcp(sport: 8080, dport: port, seq: 900, ack: 101, flags: 0x12)))
            var seq: UInt32 = 101
            for _ in 0..<(conn == 60 ? 1_200 : 1_000) {
                c.add(
                    Self.ethernet(src, server, 6, Frames.tcp(sport: port, dport: 8080, seq: seq, ack: 901, flags: 0x18, request)))
                seq &+= UInt32(request.count)
            }
        }
        let (_, warnings, _) = try Self.report(c.write(), ["--api-server", "10.96.0.1:8080"])
        #expect(warnings.contains("plain HTTP requests or exchanges not kept"), "\(warnings)")
    }

    /// Every class of scripts/hostile at its small size through the debug build: no crash,
    /// the expected exit status, peak memory under the budget (the script's own checks).
    @Test(.enabled(if: enabled && FileManager.default.fileExists(atPath: "/usr/bin/python3")))
    func everyHostileClassAtTestSize() throws {
        let dir = temporaryFile([], suffix: ".d")
        try FileManager.default.removeItem(atPath: dir)
        let script = Corpus.packageRoot.appendingPathComponent("scripts/hostile").path
        let r = try run(
            "/usr/bin/env",
            [
                "HOSTILE_DIR=" + dir, "python3", script, "--small", "--no-ratio",
                "--loupe", LoupeBinary.path,
            ])
        #expect(r.status == 0, "\(r.stdout)\n\(r.stderr)")
        #expect(r.stdout.split(separator: "\n").filter { $0.hasPrefix("| ") }.count == 17, "\(r.stdout)")
    }
}
