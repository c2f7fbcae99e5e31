import Analyzer
import Foundation
import Reports
import Testing
import _TestSupport

/// Every finding of the catalogue both ways, at the report model: just past its threshold it
/// fires at its severity (each severity step where it has two), just short of it it does not.
/// The recorded fixtures do the same on real traffic: tls-handshakes fires the TLS findings,
/// search-path dns.searchPath, and fixtures/pcaps/healthy fires nothing (FindingsTests).
struct FindingsBothWaysTests {
    static func percentiles(_ p99: Double, count: Int = 100) -> Percentiles {
        Percentiles(count: count, p50: p99 / 2, p90: p99, p95: p99, p99: p99, max: p99)
    }

    static var base: Report {
        var r = Report.empty
        r.packets = 1_000
        r.inputs = [
            InputSummary(
                path: "x.pcap", format: "pcap", compression: "none", packets: 1_000, bytes: 1,
                capturedBytes: 1, snaplenCutPackets: 0, linkTypes: ["EN10MB"], firstTimestamp: nil,
                lastTimestamp: nil, duration: nil, sections: 1, interfaces: [], captureDrops: nil,
                damage: nil, warnings: [])
        ]
        return r
    }

    static func sightings(duplicates: Int) -> SightingsSection {
        SightingsSection(
            distinctPackets: 10, extraSightings: 10, captureDuplicates: duplicates, natPairs: 0,
            points: RowList(total: 0, rows: []), nodes: RowList(total: 0, rows: []))
    }

    /// A path of one hop: `lost` of `packets + lost`, delay p50 `p50` with alignment error `error`.
    static func path(lost: Int, packets: Int = 98, p50: Double = 0.001, error: Double? = 0) -> PathSection {
        let hop = PathHopRow(
            from: "n1:eth0", to: "n2:eth0", packets: packets,
            delay: Percentiles(count: packets, p50: p50, p90: p50, p95: p50, p99: p50, max: p50),
            delayError: error, lost: lost)
        let loss = PathLossRow(
            client: "10.0.0.1:1", server: "10.0.0.2:80", clientPod: nil, serverPod: nil,
            from: "n1:eth0", to: "n2:eth0", packets: lost, kernelReasons: [:])
        return PathSection(
            hops: RowList(total: 1, rows: [hop]), losses: RowList(total: lost > 0 ? 1 : 0, rows: lost > 0 ? [loss] : []),
            unverified: 0)
    }

    /// (id, change that fires it, expected severity, change that keeps it quiet).
    static let cases: [(String, @Sendable (inout Report) -> Void, Finding.Severity, @Sendable (inout Report) -> Void)] = [
        ("capture.damaged", { $0.inputs[0].damage = DamageSummary(offset: 99, message: "cut") }, .critical, { _ in }),
        ("capture.drops", { $0.inputs[0].captureDrops = 1 }, .critical, { $0.inputs[0].captureDrops = 0 }),
        ("capture.snaplen", { $0.inputs[0].snaplenCutPackets = 1 }, .warning, { $0.inputs[0].snaplenCutPackets = 0 }),
        (
            "capture.midStream",
            {
                $0.tcp.connections = 10; $0.tcp.midStreamConnections = 3
            }, .info,
            {
                $0.tcp.connections = 10; $0.tcp.midStreamConnections = 2
            }
        ),
        (
            "capture.oneSided",
            {
                $0.tcp.connections = 10; $0.tcp.oneSidedConnections = 3
            }, .info,
            {
                $0.tcp.connections = 10; $0.tcp.oneSidedConnections = 2
            }
        ),
        ("capture.malformed", { $0.malformedPackets = 2 }, .warning, { $0.malformedPackets = 1 }),
        ("capture.evicted", { $0.flowTable.evicted = 1 }, .warning, { $0.flowTable.evicted = 0 }),
        (
            "capture.duplicates", { $0.sightings = FindingsBothWaysTests.sightings(duplicates: 1) }, .info,
            { $0.sightings = FindingsBothWaysTests.sightings(duplicates: 0) }
        ),
        (
            "capture.attribution",
            {
                $0.attribution.metadata = ["m"]; $0.attribution.unicastFlows = 10
                $0.attribution.resolvedUnicastFlowShare = 0.89
            }, .warning,
            {
                $0.attribution.metadata = ["m"]; $0.attribution.unicastFlows = 10; $0.attribution.resolvedUnicastFlowShare = 0.9
                $0.attribution.notPodTraffic = ["linkLocal": 50]
            }
        ),
        (
            "capture.kernelLost",
            {
                var k = KernelSection(); k.lost = 1; $0.kernel = k
            }, .warning,
            { $0.kernel = KernelSection() }
        ),
        (
            "capture.kernelUnavailable",
            {
                var k = KernelSection(); k.unavailable = ["kfree_skb"]; k.attached = ["a", "b"]
                $0.kernel = k
            }, .info,
            {
                var k = KernelSection(); k.unavailable = ["kfree_skb"]; k.attached = ["a", "b", "c"]; $0.kernel = k
            }
        ),
        (
            "kernel.drops",
            {
                var k = KernelSection(); k.attached = ["a", "b", "c"]
                k.dropReasons = RowList(total: 1, rows: [DropReasonRow(reason: "NETFILTER_DROP", drops: 5, bytes: 1)]);
                $0.kernel = k
            },
            .warning,
            {
                var k = KernelSection(); k.attached = ["a", "b", "c"]
                k.dropReasons = RowList(
                    total: 2,
                    rows: [
                        DropReasonRow(reason: "NETFILTER_DROP", drops: 4, bytes: 1),
                        DropReasonRow(reason: "OTHERHOST", drops: 900, bytes: 1),
                    ]);
                $0.kernel = k
            }
        ),
        (
            "kernel.retransmissionsNotOnWire",
            {
                var k = KernelSection(); k.attached = ["a", "b", "c"]
                k.retransmissionsOnCapturedConnections = 40; k.wireRetransmissionsOnThoseConnections = 35; $0.kernel = k
            }, .warning,
            {
                var k = KernelSection(); k.attached = ["a", "b", "c"]
                k.retransmissionsOnCapturedConnections = 40; k.wireRetransmissionsOnThoseConnections = 36; $0.kernel = k
            }
        ),
        (
            "path.loss", { $0.path = FindingsBothWaysTests.path(lost: 2) }, .warning,
            { $0.path = FindingsBothWaysTests.path(lost: 1) }
        ),
        (
            "path.loss", { $0.path = FindingsBothWaysTests.path(lost: 5, packets: 95) }, .critical,
            { $0.path = FindingsBothWaysTests.path(lost: 1, packets: 19) }
        ),
        (
            "path.delay", { $0.path = FindingsBothWaysTests.path(lost: 0, packets: 10, p50: 0.0151, error: 0.005) }, .warning,
            { $0.path = FindingsBothWaysTests.path(lost: 0, packets: 10, p50: 0.0149, error: 0.005) }
        ),
        (
            "kernel.wireMismatch",
            {
                var k = KernelSection(); k.wireRetransmissions = 5; k.retransmissions = 2; $0.kernel = k
            },
            .warning,
            {
                var k = KernelSection(); k.wireRetransmissions = 4; $0.kernel = k
            }
        ),
        (
            "dns.latency", { $0.dns.latency = percentiles(0.101, count: 10) }, .warning,
            { $0.dns.latency = percentiles(0.1, count: 10) }
        ),
        (
            "dns.latency", { $0.dns.latency = percentiles(1.01, count: 10) }, .critical,
            { $0.dns.latency = percentiles(2, count: 9) }
        ),
        (
            "dns.unanswered",
            {
                $0.dns.transactions = 100; $0.dns.unanswered = 2
            }, .warning,
            {
                $0.dns.transactions = 100; $0.dns.unanswered = 1
            }
        ),
        (
            "dns.unanswered",
            {
                $0.dns.transactions = 100; $0.dns.unanswered = 11
            }, .critical,
            {
                $0.dns.transactions = 9; $0.dns.unanswered = 9
            }
        ),
        (
            "dns.servfail", { $0.dns.topSERVFAIL = RowList(total: 1, rows: [NameCount(name: "a.example", count: 1)]) }, .warning,
            { $0.dns.rcodes = ["NOERROR": 10] }
        ),
        (
            "dns.searchPath",
            {
                $0.dns.queries = 100; $0.dns.searchPath.wastedQueries = 11
            }, .warning,
            {
                $0.dns.queries = 100; $0.dns.searchPath.wastedQueries = 10
            }
        ),
        (
            "tcp.retransmissions",
            {
                $0.tcp.retransmissions = 5; $0.tcp.retransmissionRate = 0.011
            }, .warning,
            {
                $0.tcp.retransmissions = 5; $0.tcp.retransmissionRate = 0.01
            }
        ),
        (
            "tcp.retransmissions",
            {
                $0.tcp.retransmissions = 50; $0.tcp.retransmissionRate = 0.051
            }, .critical,
            {
                $0.tcp.retransmissions = 4; $0.tcp.retransmissionRate = 0.5
            }
        ),
        ("tcp.zeroWindows", { $0.tcp.zeroWindows = 1 }, .info, { $0.tcp.zeroWindows = 0 }),
        (
            "tcp.resets",
            {
                $0.tcp.connections = 10; $0.tcp.resets = 2; $0.tcp.resetsByKind = ["refused": 1, "abortedByServer": 1]
            },
            .warning,
            {
                $0.tcp.connections = 10; $0.tcp.resets = 10; $0.tcp.resetsByKind = ["afterClose": 8, "idle": 1, "refused": 1]
            }
        ),
        (
            "tls.failures",
            {
                $0.tls.handshakes = 100; $0.tls.failures.total = 1; $0.tls.failures.alert = 1
            }, .warning,
            { $0.tls.handshakes = 100 }
        ),
        (
            "tls.failures",
            {
                $0.tls.handshakes = 100; $0.tls.failures.total = 11; $0.tls.failures.alert = 11
            }, .critical,
            {
                $0.tls.handshakes = 100; $0.tls.failures.total = 0
            }
        ),
        (
            "tls.latency", { $0.tls.handshakeLatency = percentiles(0.501, count: 10) }, .warning,
            { $0.tls.handshakeLatency = percentiles(0.5, count: 10) }
        ),
        (
            "apiServer.latency",
            {
                $0.apiServer.exchanges = 5; $0.apiServer.latency = percentiles(1.01)
            }, .warning,
            {
                $0.apiServer.exchanges = 5; $0.apiServer.latency = percentiles(1)
            }
        ),
        (
            "apiServer.latency",
            {
                $0.apiServer.exchanges = 5; $0.apiServer.latency = percentiles(5.01)
            }, .critical,
            {
                $0.apiServer.exchanges = 4; $0.apiServer.latency = percentiles(9)
            }
        ),
        ("apiServer.throttled", { $0.apiServer.errors.throttled = 1 }, .warning, { $0.apiServer.exchanges = 9 }),
        ("apiServer.serverErrors", { $0.apiServer.errors.serverErrors = 1 }, .warning, { $0.apiServer.errors.throttled = 0 }),
        (
            "apiServer.errors", { $0.apiServer.errors.resets = 1 }, .warning,
            {
                $0.apiServer.notSeen.requests = 3; $0.apiServer.notSeen.connections = 2
            }
        ),
        // The SLO per scope is APIChurn's (APIChurnTests); the finding fires on any slow list.
        (
            "apiServer.slowLists", { $0.apiServer.slowLists = RowList(total: 1, rows: [APIRequestRow()]) }, .warning,
            { $0.apiServer.slowLists = RowList(total: 0, rows: []) }
        ),
        (
            "apiServer.watchChurn",
            {
                $0.apiServer.watchEnds.expired = 2; $0.apiServer.expiredLists = 1
            }, .warning,
            {
                $0.apiServer.watchEnds.expired = 1; $0.apiServer.expiredLists = 1; $0.apiServer.watchEnds.closed = 9
            }
        ),
        (
            "apiServer.errorBurst",
            {
                $0.apiServer.errorBurst.errors = 5; $0.apiServer.errorBurst.start = 1.8e9
            }, .warning,
            {
                $0.apiServer.errorBurst.errors = 4; $0.apiServer.errorBurst.start = 1.8e9
            }
        ),
    ]

    @Test(arguments: cases.indices)
    func firesAndStaysQuiet(_ index: Int) {
        let (id, fire, severity, quiet) = Self.cases[index]
        var firing = Self.base
        fire(&firing)
        let raised = FindingsBuilder.findings(firing).filter { $0.id == id }
        #expect(raised.map(\.severity) == [severity], "\(id) past its threshold")
        var calm = Self.base
        quiet(&calm)
        #expect(!FindingsBuilder.findings(calm).contains { $0.id == id }, "\(id) short of its threshold")
    }

    /// Every catalogued id is exercised here or by a recorded fixture.
    @Test func everyIdIsCovered() throws {
        var covered = Set(Self.cases.map(\.0))
        let tls = try FindingsTests.report(Fixtures.path("pcaps/tls/handshakes.pcapng"))
        covered.formUnion(tls.findings.map(\.id))
        let missing = Set(FindingCatalog.entries.map(\.id)).subtracting(covered)
        #expect(missing.isEmpty, "no fixture fires \(missing.sorted())")
    }
}
