import Bundles
import Dissectors
import Reports

/// Retina's drop series from the kernel's drop events (`kfree_skb` with a reason, recorded by
/// `loupe-agent`): `drop_count`/`drop_bytes` by reason and direction, and the same by the pods
/// at both ends (`adv_drop_*`). Reasons that say nothing about the pods
/// (`FindingsBuilder.unremarkableDrops`: a promiscuous capture's OTHERHOST, closed ports,
/// purged queues, unspecified) are left out, as the report's drop finding leaves them out.
/// Direction: `egress` when only the source is the node's, `ingress` when only the
/// destination is; otherwise (a drop between two of the node's pods, or ends not known) by
/// where the reason's code runs (`side(of:)`): the receive path is `ingress`, the transmit
/// path `egress`, and `unknown` for reasons on both (NETFILTER_DROP). Bytes as the kernel
/// gives them (the skb's length).
/// Bound: the recorder's series bound.
struct KernelDropSeries {
    private(set) var recorder: MetricsRecorder
    let boundary: NodeBoundary
    private let families: (count: Int, bytes: Int, advCount: Int, advBytes: Int)

    init(recorder: MetricsRecorder, boundary: NodeBoundary) {
        var recorder = recorder
        families = (
            recorder.family(MetricNames.dropCount.0, MetricNames.dropCount.1, .gauge),
            recorder.family(MetricNames.dropBytes.0, MetricNames.dropBytes.1, .gauge),
            recorder.family(MetricNames.advDropCount.0, MetricNames.advDropCount.1, .gauge),
            recorder.family(MetricNames.advDropBytes.0, MetricNames.advDropBytes.1, .gauge)
        )
        self.recorder = recorder
        self.boundary = boundary
    }

    /// The path a drop reason (Linux's `enum skb_drop_reason`, without its prefix) belongs to:
    /// TCP's, sockets' and IP input's checks run on packets received; routing out,
    /// neighbours and queueing disciplines on packets sent.
    static func side(of reason: String) -> TrafficDirection {
        let receive = [
            "TCP_", "SOCKET_", "UDP_CSUM", "IP_CSUM", "IP_INHDR", "IP_RPFILTER", "IP_INADDRERRORS",
            "IP_INNOROUTES", "PKT_TOO_SMALL", "TC_INGRESS", "PROTO_MEM",
        ]
        let transmit = ["IP_OUTNOROUTES", "NEIGH_", "QDISC_", "TC_EGRESS"]
        if receive.contains(where: reason.hasPrefix) { return .ingress }
        if transmit.contains(where: reason.hasPrefix) { return .egress }
        return .unknown
    }

    mutating func record(_ e: KernelEvent) {
        let reason = e.reason ?? "NOT_SPECIFIED"
        guard !FindingsBuilder.unremarkableDrops.contains(reason) else { return }
        let seconds = e.time * 1e9
        let time = seconds.isFinite ? Int64(max(min(seconds, 9e18), -9e18)) : 0
        let source = e.source.flatMap(PodDirectory.Endpoint.init(parsing:))?.address
        let destination = e.destination.flatMap(PodDirectory.Endpoint.init(parsing:))?.address
        let s = source.map { boundary.side($0, at: time) } ?? (local: nil, owner: nil)
        let d = destination.map { boundary.side($0, at: time) } ?? (local: nil, owner: nil)
        let direction: TrafficDirection =
            s.local == true && d.local == false
            ? .egress
            : d.local == true && s.local == false ? .ingress : Self.side(of: reason)
        let basic = [("reason", reason), ("direction", direction.label)]
        recorder.add(families.count, basic, at: time)
        recorder.add(families.bytes, basic, at: time, Double(e.bytes))
        var labels = basic
        RetinaLabels.append(.source, source, s.owner, boundary.directory, to: &labels)
        RetinaLabels.append(.destination, destination, d.owner, boundary.directory, to: &labels)
        recorder.add(families.advCount, labels, at: time)
        recorder.add(families.advBytes, labels, at: time, Double(e.bytes))
    }
}
