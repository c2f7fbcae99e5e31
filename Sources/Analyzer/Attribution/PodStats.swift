import Dissectors
import Reports

/// DNS, TCP and TLS figures per pod (by directory index), each analysis filling its own
/// part; merged into pod, workload and namespace rows at the end. Bounded: at most
/// `podLimit` pods are tracked (the rest are counted in the report's warnings).
struct PodStats {
    static let podLimit = 5_000

    struct DNSPart {
        var transactions = 0
        var unanswered = 0
        var rcodes: [UInt16: Int] = [:]
        var latency = CompactLatencyHistogram()
    }

    struct TCPPart {
        var connections = 0
        var counts = TCPCounts()
        var initialRTT = CompactLatencyHistogram()
    }

    struct TLSPart {
        var handshakes = 0
        var completed = 0
        var failures = TLSFailureCounts()
        var latency = CompactLatencyHistogram()
    }

    var dns: [Int: DNSPart] = [:]
    var tcp: [Int: TCPPart] = [:]
    var tls: [Int: TLSPart] = [:]
    private(set) var dropped = 0

    private mutating func admits(_ pod: Int, _ known: Bool) -> Bool {
        if known || (dns.count + tcp.count + tls.count) < Self.podLimit { return true }
        dropped += 1
        return false
    }

    mutating func dnsTransaction(_ pod: Int, answered: Bool, rcode: UInt16?, latency: Int64?) {
        guard admits(pod, dns[pod] != nil) else { return }
        dns[pod, default: DNSPart()].transactions += 1
        if !answered { dns[pod]!.unanswered += 1 }
        if let rcode { dns[pod]!.rcodes[rcode, default: 0] += 1 }
        if let latency { dns[pod]!.latency.record(nanoseconds: latency) }
    }

    mutating func tcpConnection(_ pod: Int, _ counts: TCPCounts, initialRTT: Int64) {
        guard admits(pod, tcp[pod] != nil) else { return }
        tcp[pod, default: TCPPart()].connections += 1
        tcp[pod]!.counts.add(counts)
        if initialRTT != 0 { tcp[pod]!.initialRTT.record(nanoseconds: initialRTT) }
    }

    mutating func tlsHandshake(_ pod: Int, failure: TLSFailure?, latency: Int64?) {
        guard admits(pod, tls[pod] != nil) else { return }
        tls[pod, default: TLSPart()].handshakes += 1
        if let latency { tls[pod]!.completed += 1; tls[pod]!.latency.record(nanoseconds: latency) }
        if let failure { TLSAnalysis.count(failure, into: &tls[pod]!.failures) }
    }

    mutating func merge(_ other: PodStats) {
        for (k, v) in other.dns {
            var d = dns[k] ?? DNSPart()
            d.transactions += v.transactions
            d.unanswered += v.unanswered
            d.rcodes.merge(v.rcodes, uniquingKeysWith: +)
            d.latency.add(v.latency)
            dns[k] = d
        }
        for (k, v) in other.tcp {
            var t = tcp[k] ?? TCPPart()
            t.connections += v.connections
            t.counts.add(v.counts)
            t.initialRTT.add(v.initialRTT)
            tcp[k] = t
        }
        for (k, v) in other.tls {
            var t = tls[k] ?? TLSPart()
            t.handshakes += v.handshakes
            t.completed += v.completed
            t.failures.add(v.failures)
            t.latency.add(v.latency)
            tls[k] = t
        }
        dropped += other.dropped
    }

    /// Pod rows, then workload and namespace rows (folding pods), most connections first.
    func rows(_ directory: PodDirectory) -> (pods: [PodRow], workloads: [PodRow], namespaces: [PodRow]) {
        let seen = Set(dns.keys).union(tcp.keys).union(tls.keys)
        var workloads: [String: (PodRow, PodStats)] = [:], namespaces: [String: (PodRow, PodStats)] = [:]
        var pods: [PodRow] = []
        for p in seen {
            let pod = directory.pods[p]
            var row = self.row(p, into: PodRow())
            row.namespace = pod.namespace
            row.name = pod.name
            row.workload = pod.workload
            row.node = pod.node
            pods.append(row)
            let own = PodStats(
                dns: dns[p].map { [0: $0] } ?? [:], tcp: tcp[p].map { [0: $0] } ?? [:],
                tls: tls[p].map { [0: $0] } ?? [:])
            for (key, isWorkload) in [(pod.namespace + "/" + pod.workload, true), (pod.namespace, false)] {
                var entry =
                    (isWorkload ? workloads[key] : namespaces[key]) ?? (
                        {
                            var r = PodRow()
                            r.namespace = pod.namespace
                            r.workload = isWorkload ? pod.workload : nil
                            r.pods = 0
                            return r
                        }(), PodStats()
                    )
                entry.0.pods += 1
                entry.1.merge(own)
                if isWorkload { workloads[key] = entry } else { namespaces[key] = entry }
            }
        }
        func finish(_ e: (PodRow, PodStats)) -> PodRow { e.1.row(0, into: e.0) }
        func order(_ a: PodRow, _ b: PodRow) -> Bool {
            let x = a.tcp.connections + a.dns.transactions + a.tls.handshakes
            let y = b.tcp.connections + b.dns.transactions + b.tls.handshakes
            return x != y ? x > y : (a.namespace, a.workload ?? "", a.name ?? "") < (b.namespace, b.workload ?? "", b.name ?? "")
        }
        return (
            pods.sorted(by: order), workloads.values.map(finish).sorted(by: order),
            namespaces.values.map(finish).sorted(by: order)
        )
    }

    /// The figures of entry `p` written into `row`'s dns, tcp and tls objects.
    private func row(_ p: Int, into row: PodRow) -> PodRow {
        var row = row
        if let d = dns[p] {
            row.dns.transactions = d.transactions
            row.dns.unanswered = d.unanswered
            row.dns.rcodes = Dictionary(d.rcodes.map { (DNS.rcodeName($0.key), $0.value) }, uniquingKeysWith: +)
            row.dns.latency = d.latency.percentiles
        }
        if let t = tcp[p] {
            row.tcp.connections = t.connections
            row.tcp.retransmissions = Int(t.counts.retransmissions)
            row.tcp.fastRetransmissions = Int(t.counts.fastRetransmissions)
            row.tcp.lostSegments = Int(t.counts.lostSegments)
            row.tcp.duplicateAcks = Int(t.counts.duplicateAcks)
            row.tcp.zeroWindows = Int(t.counts.zeroWindows)
            row.tcp.resets = Int(t.counts.resets)
            row.tcp.retransmissionRate = t.counts.retransmissionRate
            row.tcp.initialRtt = t.initialRTT.percentiles
        }
        if let t = tls[p] {
            row.tls.handshakes = t.handshakes
            row.tls.completed = t.completed
            row.tls.failures = t.failures
            row.tls.handshakeLatency = t.latency.percentiles
        }
        return row
    }
}

extension TLSFailureCounts {
    mutating func add(_ o: TLSFailureCounts) {
        total += o.total
        versionMismatch += o.versionMismatch
        noCommonParameters += o.noCommonParameters
        alert += o.alert
        resetAfterClientHello += o.resetAfterClientHello
        noServerHello += o.noServerHello
        closedDuringHandshake += o.closedDuringHandshake
    }
}
