import CaptureFormats
import Dissectors

/// Which way a packet crossed the capture's node, as Retina's `direction` label says it:
/// `egress` leaving one of the node's endpoints (its pods, its own addresses), `ingress`
/// reaching one. A packet between two endpoints of the node (pod to pod on one node) is
/// both: it leaves its sender and reaches its receiver, each on its own veth. A packet
/// between two addresses that are not the node's is `unknown` (a transit or a capture of
/// another node's traffic), as is every packet when the node is not known and the link
/// layer does not say.
enum TrafficDirection: Int, CaseIterable {
    case ingress = 0, egress, unknown

    var label: String {
        switch self {
        case .ingress: "ingress"
        case .egress: "egress"
        case .unknown: "unknown"
        }
    }

    /// A packet's directions: one, or `.egress` and `.ingress` for one inside the node.
    struct Set {
        var egress = false, ingress = false
        var isEmpty: Bool { !egress && !ingress }
        var all: [TrafficDirection] {
            isEmpty ? [.unknown] : (egress ? [.egress] : []) + (ingress ? [.ingress] : [])
        }
    }
}

/// The node's endpoints at a moment, from the cluster metadata: the pods scheduled on it and
/// the node's own addresses. Without metadata, or without knowing which node the capture is
/// from, nothing is known to be the node's.
struct NodeBoundary {
    let node: String?
    let directory: PodDirectory?

    /// Whether `address` was one of the node's endpoints at `time` (nil: not knowable), with
    /// its owner.
    func side(_ address: IPAddress, at time: Int64) -> (local: Bool?, owner: PodDirectory.Owner?) {
        guard let directory else { return (nil, nil) }
        let owner = directory.resolve(address, at: time)
        guard let node else { return (nil, owner) }
        switch owner {
        case .pod(let p)?: return (directory.pods[p].node.map { $0 == node }, owner)
        case .node(let n)?, .sharedNode(let n)?: return (directory.nodes[n] == node, owner)
        case .service?, nil: return (false, owner)
        }
    }

    /// The directions of a packet from `source` to `destination`; `linkDirection` is the link
    /// layer's own word (a Linux cooked header's packet type), used when the node is unknown.
    func directions(
        _ source: (local: Bool?, owner: PodDirectory.Owner?), _ destination: (local: Bool?, owner: PodDirectory.Owner?),
        linkDirection: TrafficDirection
    ) -> TrafficDirection.Set {
        guard let s = source.local, let d = destination.local else {
            return TrafficDirection.Set(egress: linkDirection == .egress, ingress: linkDirection == .ingress)
        }
        return TrafficDirection.Set(egress: s, ingress: d)
    }

    /// The direction a Linux cooked capture (`tcpdump -i any`) records: the packet type
    /// (PACKET_OUTGOING 4: sent by this host; 0-3: received); `.unknown` for other links.
    static func linkDirection(_ record: PacketRecord) -> TrafficDirection {
        let offset: Int
        switch record.linkType {
        case .linuxSLL: offset = 1  // the low byte of the 16-bit packet type
        case .linuxSLL2: offset = 10
        default: return .unknown
        }
        guard record.data.count > offset else { return .unknown }
        switch record.data[offset] {
        case 4: return .egress
        case 0...3: return .ingress
        default: return .unknown
        }
    }
}
