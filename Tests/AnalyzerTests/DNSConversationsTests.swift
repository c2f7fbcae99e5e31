@testable import Analyzer
@testable import Bundles
import CaptureFormats
import Dissectors
import Foundation
import Testing
import _TestSupport

/// DNS over UDP's conversations are counted in a table of their own (`DNSConversations`),
/// inline or on the DNS thread; merged at the end they give what one table gives: the same
/// conversation list, attribution counts and service pairs, the same numbers of flows and
/// of expired flows (the peak of live flows is the sum of the two tables' peaks).
struct DNSConversationsTests {
    static let metadata = #"""
        {"apiVersion": "v1", "kind": "List", "items": [
          {"kind": "Pod", "metadata": {"name": "client-1", "namespace": "shop"}, "status": {"podIP": "10.244.0.11"}},
          {"kind": "Pod", "metadata": {"name": "coredns-1", "namespace": "kube-system"}, "status": {"podIP": "10.244.0.53"}},
          {"kind": "Pod", "metadata": {"name": "web-abc", "namespace": "shop"}, "status": {"podIP": "10.244.0.30"}},
          {"kind": "Service", "metadata": {"name": "kube-dns", "namespace": "kube-system"},
           "spec": {"clusterIP": "10.96.0.10", "ports": [{"port": 53}]}},
          {"kind": "EndpointSlice", "metadata": {"name": "kube-dns-x", "namespace": "kube-system",
           "labels": {"kubernetes.io/service-name": "kube-dns"}},
           "endpoints": [{"addresses": ["10.244.0.53"]}], "ports": [{"port": 53}]},
          {"kind": "Service", "metadata": {"name": "web", "namespace": "shop"}, "spec": {"clusterIP": "10.96.0.20", "ports": [{"port": 80}]}},
          {"kind": "EndpointSlice", "metadata": {"name": "web-x", "namespace": "shop", "labels": {"kubernetes.io/service-name": "web"}},
           "endpoints": [{"addresses": ["10.244.0.30"]}], "ports": [{"port": 8080}]}
        ]}
        """#

    typealias Record = (seconds: UInt32, fraction: UInt32, data: [UInt8], original: Int?)

    /// 90 s of lookups on fresh ports (so DNS flows expire on the way), some seen before and
    /// after the service's NAT, some unanswered, from a pod and from an unknown client,
    /// between TCP connections to a service and its backend.
    static func capture() -> String {
        var rng = SplitMix(seed: 11)
        var frames: [Record] = []
        func add(_ t: Double, _ ip: [UInt8], type: UInt16 = 0x0800) {
            frames.append((UInt32(t), UInt32((t - t.rounded(.down)) * 1e6), Frames.ethernet(type: type, ip), nil))
        }
        func message(_ id: UInt16, response: Bool) -> [UInt8] {
            Frames.be16(id) + (response ? [0x81, 0x83] : [1, 0]) + [0, 1, 0, 0, 0, 0, 0, 0]
                + [3] + Array("web".utf8) + [4] + Array("shop".utf8) + [0, 0, 1, 0, 1]
        }
        let clients: [[UInt8]] = [[10, 244, 0, 11], [10, 1, 2, 3]]
        let dnsService: [UInt8] = [10, 96, 0, 10], dnsPod: [UInt8] = [10, 244, 0, 53]
        for i in 0..<3_000 {
            let t = 1_800_000_000.0 + Double(i) * 0.03
            let client = clients[i % 2], port = UInt16(30_000 + i), id = UInt16(truncatingIfNeeded: rng.next())
            for server in i % 5 == 0 ? [dnsService, dnsPod] : [dnsService] {  // before and after DNAT
                add(
                    t,
                    Frames.ipv4(
                        src: client, dst: server, proto: 17,
                        Frames.udp(sport: port, dport: 53, message(id, response: false))))
                if i % 17 != 0 {
                    add(
                        t + 0.002,
                        Frames.ipv4(
                            src: server, dst: client, proto: 17,
                            Frames.udp(sport: 53, dport: port, message(id, response: true))))
                }
            }
            if i % 150 == 0 {  // IPv6 lookups: counted in the pass's table (a `CountedFlow` is IPv4)
                let v6Client: [UInt8] = [0xFD] + Array(repeating: 0, count: 14) + [1]
                let v6Server: [UInt8] = [0xFD] + Array(repeating: 0, count: 14) + [0x53]
                add(
                    t,
                    Frames.ipv6(
                        src: v6Client, dst: v6Server, next: 17, Frames.udp(sport: port, dport: 53, message(id, response: false))),
                    type: 0x86DD)
                add(
                    t + 0.001,
                    Frames.ipv6(
                        src: v6Server, dst: v6Client, next: 17,
                        Frames.udp(sport: 53, dport: port, message(id, response: true))), type: 0x86DD)
            }
            if i % 50 == 0 {
                let sport = UInt16(50_000 + i)
                for (server, dport) in [([UInt8]([10, 96, 0, 20]), UInt16(80)), ([10, 244, 0, 30], 8080)] {
                    add(
                        t,
                        Frames.ipv4(
                            src: client, dst: server, proto: 6, Frames.tcp(sport: sport, dport: dport, seq: 100, flags: 0x02)))
                    add(
                        t + 0.001,
                        Frames.ipv4(
                            src: server, dst: client, proto: 6,
                            Frames.tcp(sport: dport, dport: sport, seq: 500, ack: 101, flags: 0x12)))
                    add(
                        t + 0.002,
                        Frames.ipv4(
                            src: client, dst: server, proto: 6,
                            Frames.tcp(
                                sport: sport, dport: dport, seq: 101, ack: 501, flags: 0x18,
                                Array(repeating: 0x41, count: 100 + i % 300))))
                }
            }
        }
        frames.sort { ($0.seconds, $0.fraction) < ($1.seconds, $1.fraction) }
        return temporaryFile(Frames.pcapFile(records: frames))
    }

    static func pass(_ path: String, dns: Bool, thread: Bool) throws -> CapturePass {
        var options = CapturePass.Options()
        options.analyzeTCP = true
        options.analyzeDNS = dns
        options.dnsThread = thread
        options.pods = PodDirectory(try ClusterMetadata.parse(Data(metadata.utf8), name: "metadata.json"))
        var pass = try CapturePass.run(paths: [path], options: options, progress: nil)
        pass.finishDNS()
        return pass
    }

    @Test func mergedTablesCountAsOne() throws {
        let path = Self.capture()
        let one = try Self.pass(path, dns: false, thread: false)
        #expect(one.sinks.dns.conversations == nil)
        for thread in [false, true] {
            let two = try Self.pass(path, dns: true, thread: thread)
            let apart = try #require(two.sinks.dns.conversations)
            // Most flows are DNS, and they expired on the way (10 s idle), not only at the end.
            #expect(apart.flows.created == 3_000 + 600 && apart.flows.expired > 2_000)
            #expect(two.flows.created + apart.flows.created == one.flows.created && two.flows.created == 120 + 20)
            // It sweeps when the pass's table sweeps: the same flows expire (the rest drain).
            #expect(two.flows.expired + apart.flows.expired == one.flows.expired)
            #expect(two.flows.peakLive + apart.flows.peakLive >= one.flows.peakLive)
            #expect(two.sinks.conversations.seen == one.sinks.conversations.seen)
            #expect(two.sinks.conversations.sorted().map(\.key) == one.sinks.conversations.sorted().map(\.key))
            #expect(two.sinks.conversations.sorted().map(\.bytes) == one.sinks.conversations.sorted().map(\.bytes))
            func fields(_ f: Flow) -> [Int] {
                [
                    f.serial, Int(f.firstSecond), Int(f.firstNanosecond), Int(f.lastSeen), f.packetsFromLow,
                    f.packetsFromHigh, f.bytesFromLow, f.bytesFromHigh, f.clientIsLow ? 1 : 0,
                ]
            }
            #expect(two.sinks.conversations.sorted().map(fields) == one.sinks.conversations.sorted().map(fields))
            let a = try #require(two.sinks.attribution), b = try #require(one.sinks.attribution)
            let countsA: [Int] = [a.packets, a.flows, a.resolvedPackets, a.resolvedFlows, a.ambiguousFlows]
            let countsB: [Int] = [b.packets, b.flows, b.resolvedPackets, b.resolvedFlows, b.ambiguousFlows]
            #expect(countsA == countsB)
            #expect(a.flows == 3_740 && a.resolvedFlows == 3_720)
            let unknownA: [IPAddress: [Int]] = a.unknown.mapValues { [$0.packets, $0.flows] }
            let unknownB: [IPAddress: [Int]] = b.unknown.mapValues { [$0.packets, $0.flows] }
            #expect(unknownA == unknownB && unknownA.count == 3)  // 10.1.2.3 and the two IPv6 ends
            let pairs = try #require(two.sinks.natPairs).pairs(), reference = try #require(one.sinks.natPairs).pairs()
            let named: [ServiceNATPairs.Client: [String]] = pairs.mapValues { [$0.service, $0.pod] }
            let expected: [ServiceNATPairs.Client: [String]] = reference.mapValues { [$0.service, $0.pod] }
            #expect(named == expected)
            #expect(pairs.count == 600 + 60)  // DNS lookups seen on both sides of the NAT, and TCP
        }
    }

    @Test func mergeKeepsTheBestAndCountsEverything() {
        struct N: Ranked {
            var v: Int
            static func ranksBelow(_ a: N, _ b: N) -> Bool { a.v < b.v }
        }
        var a = TopK<N>(capacity: 3), b = TopK<N>(capacity: 3), all = TopK<N>(capacity: 3)
        for v in [5, 1, 9, 7] { a.offer(N(v: v)); all.offer(N(v: v)) }
        for v in [8, 2, 6, 10, 3] { b.offer(N(v: v)); all.offer(N(v: v)) }
        a.merge(b)
        #expect(a.sorted().map(\.v) == [10, 9, 8] && a.sorted().map(\.v) == all.sorted().map(\.v))
        #expect(a.seen == 9 && all.seen == 9)
    }
}
