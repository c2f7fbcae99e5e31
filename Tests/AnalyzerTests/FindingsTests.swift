import Analyzer
import Foundation
import Reports
import Testing
import _TestSupport

/// The findings that lead every report: which fire on the recorded fixtures, capture
/// quality first, stable ids and severities.
struct FindingsTests {
    static func report(_ path: String, metadata: [String] = []) throws -> Report {
        var options = ReportOptions()
        options.metadataPaths = metadata
        return try ReportRun.run(paths: [path], options: options).report
    }

    @Test func tlsScenarios() throws {
        let r = try Self.report(Fixtures.path("pcaps/tls/handshakes.pcapng"))
        // No tcp.resets: of 11 connections, 6 were reset after the client's FIN (the benign
        // close_notify pattern), one idle; only one was aborted (below 10%).
        #expect(r.findings.map(\.id) == ["tls.certificateExpired", "tls.failures", "tls.certificateExpiring"])
        #expect(r.findings.map(\.severity) == [.critical, .critical, .warning])
        #expect(r.tcp.resetsByKind == ["afterClose": 6, "abortedByClient": 1, "idle": 1])
        let failures = try #require(r.findings.first { $0.id == "tls.failures" })
        #expect(
            failures.title == "5 of 11 TLS handshakes failed (version mismatch 1, no common parameters 1, alert 1, "
                + "reset after ClientHello 1, no ServerHello 1)")
    }

    /// Kernel findings from the kernel section alone: telling drops (not the capture's own
    /// OTHERHOST), retransmissions the capture does not show, lost events, missing tracepoints.
    @Test func kernelFindings() throws {
        var r = Report.empty
        var k = KernelSection()
        k.attached = ["tcp_retransmit_skb (raw_tp)"]
        k.unavailable = ["attaching kfree_skb: Operation not permitted"]
        k.lost = 7
        k.dropReasons = RowList(
            total: 3,
            rows: [
                DropReasonRow(reason: "OTHERHOST", drops: 500, bytes: 1),
                DropReasonRow(reason: "NETFILTER_DROP", drops: 6, bytes: 1),
                DropReasonRow(reason: "TCP_OLD_DATA", drops: 1, bytes: 1),
            ])
        k.retransmissionsOnCapturedConnections = 40
        k.wireRetransmissionsOnThoseConnections = 10
        k.wireOutOfOrderOnThoseConnections = 20
        r.kernel = k
        let f = FindingsBuilder.findings(r)
        #expect(
            f.map(\.id) == ["capture.kernelLost", "capture.kernelUnavailable", "kernel.drops", "kernel.retransmissionsNotOnWire"])
        #expect(f.first { $0.id == "kernel.drops" }?.title == "the kernel dropped 7 packets: NETFILTER_DROP 6, TCP_OLD_DATA 1")
        #expect(
            f.first { $0.id == "kernel.retransmissionsNotOnWire" }?.title
                == "10 of the kernel's 40 retransmissions on captured connections are not in the capture")
        k.wireOutOfOrderOnThoseConnections = 28  // 2 missing: within the tolerance
        k.dropReasons = RowList(total: 1, rows: [DropReasonRow(reason: "OTHERHOST", drops: 500, bytes: 1)])
        k.lost = 0
        k.unavailable = []
        r.kernel = k
        #expect(FindingsBuilder.findings(r).isEmpty)
    }

    @Test func searchPathWaste() throws {
        let r = try Self.report(Fixtures.path("pcaps/dns/search-path.pcapng"))
        #expect(r.findings.map(\.id) == ["dns.searchPath"])
        #expect(r.findings[0].title == "14 of 22 DNS queries (63.6%) were wasted on search-path expansion")
    }

    @Test func captureQualityComesFirst() throws {
        var r = try Self.report(Fixtures.path("pcaps/tls/handshakes.pcapng"))
        r.inputs[0].damage = DamageSummary(offset: 4096, message: "record length 99999999 past the end")
        r.inputs[0].captureDrops = 12
        r.attribution.metadata = ["pods.json"]
        (r.attribution.unicastFlows, r.attribution.resolvedUnicastFlowShare) = (10, 0.5)
        let ids = FindingsBuilder.findings(r).map(\.id)
        #expect(Array(ids.prefix(3)) == ["capture.damaged", "capture.drops", "capture.attribution"])
        #expect(ids.count == 6)
    }

    /// fixtures/pcaps/healthy/clients.pcapng (fixtures/gen/record-healthy.sh): curl, Python and
    /// openssl clients, keep-alive and not, closing with and without close_notify, a watch,
    /// search-path lookups answered at once, a connection that began before the capture and
    /// outlived it; read as an API server's traffic too. No warning and no critical finding:
    /// its resets come after a FIN, its open request at the end is not seen, not unanswered.
    @Test func healthyClientsRaiseNothing() throws {
        var options = ReportOptions()
        options.apiServers = [try #require(PodDirectory.Endpoint(parsing: "10.78.0.2:443"))]
        let r = try ReportRun.run(paths: [Fixtures.path("pcaps/healthy/clients.pcapng")], options: options).report
        #expect(r.findings.filter { $0.severity != .info }.isEmpty, "\(r.findings)")
        #expect(r.tcp.connections == 21 && r.tcp.resetsByKind == ["afterClose": 3] && r.tcp.midStreamConnections == 1)
        #expect(r.tls.handshakes >= 16 && r.tls.failures.total == 0)
        #expect(r.dns.transactions == 12 && r.dns.unanswered == 0 && r.dns.searchPath.wastedQueries == 0)
        #expect(r.apiServer.errors == APIServerErrors() && r.apiServer.notSeen.connections == 1)
        #expect(r.apiServer.exchanges >= 40, "every GET an exchange, no close_notify taken for a request")
    }

    @Test func quietOnAHealthyCapture() throws {
        let r = try Self.report(
            Fixtures.path("pcaps/pods/apiserver.pcapng"), metadata: [Fixtures.path("pods/apiserver.kubectl.json")])
        #expect(r.findings.map(\.id) == ["dns.searchPath"], "the pods' search-path NXDOMAINs, nothing else")
    }
}

/// A DNS flood past the pending-query cap: every transaction counted once (a query dropped at
/// the cap once left the lookup it replaced to be closed a second time: unanswered exceeded
/// transactions).
struct DNSFloodAccountingTests {
    @Test func unansweredNeverExceedsTransactions() throws {
        var rng = SplitMix(seed: 11)
        var frames: [(seconds: UInt32, fraction: UInt32, data: [UInt8], original: Int?)] = []
        // 30,000 queries from 40 ports with IDs from a small range over 12 s: keys collide
        // after the 5 s retransmission timer, the case that double-counted.
        for i in 0..<30_000 {
            let id = UInt16(rng.next() % 64)
            let name: [UInt8] =
                [8] + Array(String(format: "%08x", UInt32(truncatingIfNeeded: rng.next())).utf8) + [3, 99, 111, 109, 0]
            let msg = Frames.be16(id) + [1, 0, 0, 1, 0, 0, 0, 0, 0, 0] + name + [0, 1, 0, 1]
            let udp = Frames.udp(sport: UInt16(40000 + i % 40), dport: 53, msg)
            let t = 1_800_000_000.0 + Double(i) * 0.0004
            frames.append(
                (
                    UInt32(t), UInt32((t - t.rounded(.down)) * 1e6),
                    Frames.ethernet(
                        type: 0x0800,
                        Frames.ipv4(src: [10, 0, 0, 5], dst: [10, 0, 0, 53], proto: 17, udp)), nil
                ))
        }
        let dns = try ReportRun.run(paths: [temporaryFile(Frames.pcapFile(records: frames))], options: ReportOptions()).report.dns
        #expect(dns.queries == 30_000)
        #expect(dns.unanswered == dns.transactions && dns.transactions + dns.retransmissions <= dns.queries)
    }
}

/// More distinct question names than the name table keeps: every query still counted, the
/// surplus named "(name table full)", and the report says how many.
struct DNSNameFloodTests {
    @Test func surplusNamesAreCountedAndStated() throws {
        var frames: [(seconds: UInt32, fraction: UInt32, data: [UInt8], original: Int?)] = []
        for i in 0..<300 {
            let name: [UInt8] = [8] + Array(String(format: "%08x", i).utf8) + [3, 99, 111, 109, 0]
            for response in [false, true] {
                let msg =
                    Frames.be16(UInt16(i)) + (response ? [0x81, 0x83] : [1, 0]) + [0, 1, 0, 0, 0, 0, 0, 0] + name + [0, 1, 0, 1]
                let udp = response ? Frames.udp(sport: 53, dport: 40000, msg) : Frames.udp(sport: 40000, dport: 53, msg)
                let t = 1_800_000_000.0 + Double(i) * 0.01 + (response ? 0.001 : 0)
                frames.append(
                    (
                        UInt32(t), UInt32((t - t.rounded(.down)) * 1e6),
                        Frames.ethernet(
                            type: 0x0800,
                            Frames.ipv4(
                                src: response ? [10, 0, 0, 53] : [10, 0, 0, 5],
                                dst: response ? [10, 0, 0, 5] : [10, 0, 0, 53], proto: 17, udp)), nil
                    ))
            }
        }
        var options = ReportOptions()
        options.dnsNames = 100
        let report = try ReportRun.run(paths: [temporaryFile(Frames.pcapFile(records: frames))], options: options).report
        #expect(report.dns.queries == 300 && report.dns.transactions == 300 && report.dns.unanswered == 0)
        #expect(report.dns.rcodes == ["NXDOMAIN": 300])
        let nx = Dictionary(uniqueKeysWithValues: report.dns.topNXDOMAIN.rows.map { ($0.name, $0.count) })
        #expect(nx["(name table full)"] == 200 && nx["00000007.com"] == 1 && nx.count == 101)
        #expect(report.warnings.contains { $0.hasPrefix("200 DNS messages named a question past the first 100 distinct names") })
    }
}
