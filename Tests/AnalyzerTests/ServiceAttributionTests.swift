@testable import Analyzer
@testable import Bundles
import CaptureFormats
import Dissectors
import Foundation
import Reports
import Testing
import _TestSupport

/// Services, NAT pairs, nodes shared with hostNetwork pods, and address intervals, on
/// hand-built captures and metadata.
struct ServiceAttributionTests {
    static let metadata = #"""
        {"apiVersion": "v1", "kind": "List", "items": [
          {"kind": "Pod", "metadata": {"name": "client-1", "namespace": "shop"}, "status": {"podIP": "10.244.0.11"}},
          {"kind": "Pod", "metadata": {"name": "web-abc", "namespace": "shop"}, "status": {"podIP": "10.244.0.30"}},
          {"kind": "Pod", "metadata": {"name": "exporter", "namespace": "monitoring"}, "spec": {"hostNetwork": true},
           "status": {"podIP": "10.244.0.1"}},
          {"kind": "Service", "metadata": {"name": "web", "namespace": "shop"}, "spec": {"clusterIP": "10.96.0.20", "ports": [{"port": 80}]}},
          {"kind": "EndpointSlice", "metadata": {"name": "web-x", "namespace": "shop", "labels": {"kubernetes.io/service-name": "web"}},
           "endpoints": [{"addresses": ["10.244.0.30"]}], "ports": [{"port": 8080}]},
          {"kind": "Node", "metadata": {"name": "node1"}, "status": {"addresses": [{"type": "InternalIP", "address": "10.244.0.1"}]}}
        ]}
        """#

    static func handshake(
        _ src: [UInt8], _ sport: UInt16, _ dst: [UInt8], _ dport: UInt16, ms: Int
    )
        -> [(seconds: UInt32, fraction: UInt32, data: [UInt8], original: Int?)]
    {
        func frame(
            _ a: [UInt8], _ ap: UInt16, _ b: [UInt8], _ bp: UInt16, _ flags: UInt8, _ seq: UInt32, _ ack: UInt32, _ t: Int
        )
            -> (seconds: UInt32, fraction: UInt32, data: [UInt8], original: Int?)
        {
            (
                1_800_000_000, UInt32(t * 1000),
                Frames.ethernet(
                    type: 0x0800,
                    Frames.ipv4(
                        src: a, dst: b, proto: 6,
                        Frames.tcp(sport: ap, dport: bp, seq: seq, ack: ack, flags: flags))), nil
            )
        }
        return [
            frame(src, sport, dst, dport, 0x02, 100, 0, ms), frame(dst, dport, src, sport, 0x12, 500, 101, ms + 1),
            frame(src, sport, dst, dport, 0x10, 101, 501, ms + 2),
        ]
    }

    static func report(_ frames: [(seconds: UInt32, fraction: UInt32, data: [UInt8], original: Int?)]) throws -> Report {
        var options = ReportOptions()
        options.metadataPaths = [temporaryFile(Array(metadata.utf8), suffix: ".json")]
        return try ReportRun.run(paths: [temporaryFile(Frames.pcapFile(records: frames))], options: options).report
    }

    @Test func natPairsNameTheServiceAndTheBackend() throws {
        // The same client port to the cluster IP (before DNAT) and to the backend (after it).
        let r = try Self.report(
            Self.handshake([10, 244, 0, 11], 40000, [10, 96, 0, 20], 80, ms: 0)
                + Self.handshake([10, 244, 0, 11], 40000, [10, 244, 0, 30], 8080, ms: 0)
                + Self.handshake([10, 244, 0, 11], 40001, [10, 244, 0, 30], 8080, ms: 50))
        #expect(r.attribution.servicePairs == 1 && r.attribution.resolvedFlows == 3)
        let rows = Dictionary(uniqueKeysWithValues: r.tcp.flows.rows.map { ($0.client + " " + $0.server, $0) })
        let before = try #require(rows["10.244.0.11:40000 10.96.0.20:80"])
        #expect(before.service == "shop/web" && before.serverPod == "shop/web-abc" && before.clientPod == "shop/client-1")
        let after = try #require(rows["10.244.0.11:40000 10.244.0.30:8080"])
        #expect(after.service == "shop/web" && after.serverPod == "shop/web-abc")
        let direct = try #require(rows["10.244.0.11:40001 10.244.0.30:8080"])
        #expect(direct.service == nil && direct.serverPod == "shop/web-abc", "no cluster-IP side: no service claimed")
    }

    @Test func nodeAddressSharedWithHostNetworkPods() throws {
        let r = try Self.report(Self.handshake([10, 244, 0, 11], 40100, [10, 244, 0, 1], 9100, ms: 0))
        #expect(r.attribution.ambiguousFlows == 1 && r.attribution.resolvedFlows == 1)
        #expect(r.tcp.flows.rows.first?.serverPod == nil, "which hostNetwork pod answered is not knowable")
    }

    @Test func addressIntervalsFollowEvents() throws {
        func pod(_ name: String, _ ip: String) -> ClusterObject {
            .pod(PodRecord(namespace: "n", name: name, workload: "Pod/" + name, node: nil, hostNetwork: false, ips: [ip]))
        }
        var m = ClusterMetadata()
        m.objects = [pod("a", "10.0.0.1")]
        m.events = [
            .init(time: 10, kind: .deleted, object: pod("a", "10.0.0.1")),
            .init(time: 11, kind: .added, object: pod("b", "10.0.0.1")),
            .init(time: 20, kind: .modified, object: pod("b", "10.0.0.2")),
        ]
        let d = PodDirectory(m)
        func at(_ ip: String, _ seconds: Double) -> String? {
            d.resolve(IPAddress(parsing: ip)!, at: Int64(seconds * 1e9)).map(d.name)
        }
        #expect(at("10.0.0.1", 5) == "n/a" && at("10.0.0.1", 10.5) == nil && at("10.0.0.1", 15) == "n/b")
        #expect(at("10.0.0.1", 25) == nil && at("10.0.0.2", 25) == "n/b" && at("10.0.0.2", 15) == nil)
        #expect(IPAddress(parsing: "fd00::1")?.text == "fd00::1" && IPAddress(parsing: "10.0.0.300") == nil)
    }
}
