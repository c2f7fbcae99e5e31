import Dissectors
import Foundation
import Reports

/// A connection's packets (`StreamGraphCollector`) as its time-sequence graph: the side that
/// sent more payload is drawn; its sequence numbers and the other side's ACKs are made
/// relative to its first (unwrapped past 2^32); the receiver's window is scaled by its SYN's
/// shift when both SYNs offered scaling (RFC 7323 2.2), and never on a SYN itself.
enum StreamGraphBuilder {
    static func graph(_ t: StreamGraphCollector.Target) -> StreamGraph {
        let packets = t.packets
        let clientBytes = packets.reduce(0) { $0 + ($1.fromClient ? $1.length : 0) }
        let serverBytes = packets.reduce(0) { $0 + ($1.fromClient ? 0 : $1.length) }
        let senderIsClient = clientBytes >= serverBytes && clientBytes > 0
        let (client, server) = (t.row.clientPod ?? t.row.client, t.row.serverPod ?? t.row.server)
        let start = NSDecimalNumber(decimal: t.row.firstTimestamp).doubleValue
        var g = StreamGraph(
            id: t.row.id, sender: senderIsClient ? client : server, receiver: senderIsClient ? server : client,
            start: start)
        g.omitted = t.omitted
        let origin = packets.first?.time ?? 0
        // The sender's first sequence number: the byte after its SYN, else its first segment's.
        let syn = packets.first { $0.fromClient == senderIsClient && $0.flags.contains(.syn) }
        guard let base = syn.map({ $0.sequence &+ 1 }) ?? packets.first(where: { $0.fromClient == senderIsClient })?.sequence
        else { return g }
        let senderScale = syn?.windowScale
        let receiverScale = packets.first { $0.fromClient != senderIsClient && $0.flags.contains(.syn) }?.windowScale
        let shift = senderScale != nil ? Int(min(receiverScale ?? 0, 14)) : 0
        var data = Unwrapper(base: base), acks = Unwrapper(base: base)
        var highest: Int64 = .min
        var previous: (ack: Int64, window: UInt16)?
        for p in packets {
            let time = Double(p.time - origin) / 1e9
            if p.fromClient == senderIsClient {
                guard p.length > 0 else { continue }
                let sequence = data.offset(p.sequence)
                let retransmission = sequence < highest
                if retransmission { g.retransmissions += 1 }
                highest = max(highest, sequence + Int64(p.length))
                g.segments.append(.init(time: time, sequence: sequence, length: p.length, retransmission: retransmission))
            } else if p.flags.contains(.ack) {
                let ack = acks.offset(p.ack)
                let window = Int64(p.window) << (p.flags.contains(.syn) ? 0 : shift)
                let bare = p.length == 0 && !p.flags.contains(.syn) && !p.flags.contains(.fin) && !p.flags.contains(.rst)
                let duplicate = bare && previous.map { $0.ack == ack && $0.window == p.window } ?? false
                if duplicate { g.duplicateAcks += 1 }
                previous = (ack, p.window)
                g.acks.append(.init(time: time, ack: ack, windowEdge: ack + window, duplicate: duplicate))
            }
        }
        return g
    }

    /// 32-bit sequence numbers as offsets from `base`, unwrapped: each step is taken as the
    /// signed 32-bit distance from the previous one.
    struct Unwrapper {
        var last: UInt32
        var position: Int64 = 0
        init(base: UInt32) { last = base }

        mutating func offset(_ sequence: UInt32) -> Int64 {
            position += Int64(Int32(bitPattern: sequence &- last))
            last = sequence
            return position
        }
    }
}
