@testable import Analyzer
import Dissectors
import Foundation
import Reports
import Testing
import _TestSupport

/// A closed TLS connection quiet for `tcpSettle` has its session folded at the next sweep
/// (an API server's kept for the flow's end), while the flow itself is still held for late
/// retransmissions: the report is the very one that folding at the flow's end gives.
struct TLSSettleTests {
    typealias Record = (seconds: UInt32, fraction: UInt32, data: [UInt8], original: Int?)

    /// JSON of the report with sessions settled `settle` ns after the close (`.max`: never,
    /// folded at the flow's end), sweeping every millisecond; and how many were settled.
    static func report(_ path: String, settle: Int64, _ base: ReportOptions = ReportOptions()) throws -> (Data, Int, Report) {
        var options = base
        options.flowLimits.sweepInterval = 1_000_000
        options.flowLimits.tcpSettle = settle
        let outcome = try ReportRun.run(paths: [path], options: options)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try encoder.encode(outcome.report), outcome.settledTLSSessions, outcome.report)
    }

    /// Three TLS connections that close at once: one whose ClientHello segment is sent again
    /// 5 s after the close, one whose server stream has a hole (buffered data: never settled),
    /// and one to the API server; then a packet 20 s later.
    static func capture() -> String {
        var frames: [Record] = []
        func add(_ t: Double, _ src: [UInt8], _ dst: [UInt8], _ tcp: [UInt8]) {
            frames.append(
                (
                    UInt32(t), UInt32((t - t.rounded(.down)) * 1e6),
                    Frames.ethernet(type: 0x0800, Frames.ipv4(src: src, dst: dst, proto: 6, tcp)), nil
                ))
        }
        let hello = TLSRecordStreamTests.record(22, TLSRecordStreamTests.message(1, TLSRecordStreamTests.clientHello()))
        let reply = TLSRecordStreamTests.record(23, Array(repeating: 7, count: 60))
        let client: [UInt8] = [10, 0, 0, 1]
        let t0 = 1_800_000_000.0
        for (n, server) in [[UInt8]([10, 0, 0, 2]), [10, 0, 0, 3], [10, 96, 0, 1]].enumerated() {
            let sport = UInt16(40_000 + n), t = t0 + Double(n) * 0.1
            let c = UInt32(101), s = UInt32(501), cEnd = c + UInt32(hello.count)
            add(t, client, server, Frames.tcp(sport: sport, dport: 443, seq: 100, flags: 0x02))
            add(t + 0.001, server, client, Frames.tcp(sport: 443, dport: sport, seq: 500, ack: 101, flags: 0x12))
            add(t + 0.002, client, server, Frames.tcp(sport: sport, dport: 443, seq: c, ack: s, flags: 0x10))
            add(t + 0.003, client, server, Frames.tcp(sport: sport, dport: 443, seq: c, ack: s, flags: 0x18, hello))
            add(t + 0.010, server, client, Frames.tcp(sport: 443, dport: sport, seq: s, ack: cEnd, flags: 0x18, reply))
            // The second server's next 20 bytes never appear: its second record waits in the
            // session's reassembler, and the client never acknowledges past the hole (an ACK
            // past it would skip it).
            let gap = n == 1 ? UInt32(20) : 0, s2 = s + UInt32(reply.count) + gap
            add(t + 0.011, server, client, Frames.tcp(sport: 443, dport: sport, seq: s2, ack: cEnd, flags: 0x18, reply))
            let sEnd = s2 + UInt32(reply.count)
            let clientAck = n == 1 ? s + UInt32(reply.count) : sEnd
            add(t + 0.020, client, server, Frames.tcp(sport: sport, dport: 443, seq: cEnd, ack: clientAck, flags: 0x11))
            add(t + 0.021, server, client, Frames.tcp(sport: 443, dport: sport, seq: sEnd, ack: cEnd + 1, flags: 0x11))
            add(
                t + 0.022, client, server,
                Frames.tcp(
                    sport: sport, dport: 443, seq: cEnd + 1,
                    ack: n == 1 ? clientAck : sEnd + 1, flags: 0x10))
            if n == 0 {
                add(t + 5, client, server, Frames.tcp(sport: sport, dport: 443, seq: c, ack: s, flags: 0x18, hello))
            }
        }
        add(t0 + 20, [10, 0, 0, 8], [10, 0, 0, 9], Frames.tcp(sport: 1, dport: 2, seq: 1, flags: 0x02))
        frames.sort { ($0.seconds, $0.fraction) < ($1.seconds, $1.fraction) }
        return temporaryFile(Frames.pcapFile(records: frames))
    }

    @Test func settledSessionsReportAsAtTheFlowsEnd() throws {
        let path = Self.capture()
        var options = ReportOptions()
        options.apiServers = [PodDirectory.Endpoint(address: PodDirectory.address("10.96.0.1")!, port: 443)]
        let (atEnd, none, report) = try Self.report(path, settle: .max, options)
        let (settled, count, _) = try Self.report(path, settle: 1_000_000_000, options)
        #expect(none == 0)
        // The first and the API server's; the one with a hole waits for the flow's end.
        #expect(count == 2)
        #expect(settled == atEnd)
        // The ClientHello sent again after the settle started no second session.
        #expect(report.tls.connections == 3)
        #expect(report.tls.handshakes == 3)
        #expect(report.apiServer.connections == 1)
        #expect(report.tcp.retransmissions >= 1)
    }

    /// Every TLS capture of the repository and of the corpus: settling as soon as the
    /// connection closed (the harshest setting) changes nothing in the report.
    @Test func everyTLSCaptureReportsAlike() throws {
        var paths = ["fixtures/pcaps/tls/handshakes.pcapng", "fixtures/pcaps/pods/apiserver.pcapng"]
            .map { Corpus.packageRoot.appendingPathComponent($0).path }
        if Corpus.sharedRoot != nil {
            paths += try TLSSessionOracleTests.tlsCaptures().map { Corpus.capturePath($0.0) }
        }
        var settledTotal = 0
        for path in paths {
            let (atEnd, _, _) = try Self.report(path, settle: .max)
            let (settled, count, _) = try Self.report(path, settle: 0)
            settledTotal += count
            #expect(settled == atEnd, "\(path)")
        }
        #expect(settledTotal > 0)
    }
}
