import CaptureFormats
import Dissectors
import Foundation
import Reports

/// The packets of a few connections, for their time-sequence graphs (`StreamGraph`): a pass
/// plug-in of the HTML report's second pass (`StreamGraphPass`), which names the connections
/// by their `tcp.flows` rows. A packet belongs to a row when its endpoints are the row's (either
/// way) and it came within the row's first and last packet. It sees each packet once, at its
/// flow's observation point, as the report's analyses did.
/// Bound: `maximumPackets` per connection (later ones counted in the graph's `omitted`).
final class StreamGraphCollector: PassAnalysis, @unchecked Sendable {
    static let maximumPackets = 20_000
    let ipProtocols: [UInt8] = [IPProtocol.tcp]

    struct Packet {
        var time: Int64
        var fromClient: Bool
        var sequence: UInt32
        var ack: UInt32
        var length: Int
        var flags: TCP.Flags
        var window: UInt16
        var windowScale: UInt8?
    }

    struct Target {
        var row: TCPFlowRow
        var client: IPAddress, clientPort: UInt16
        var server: IPAddress, serverPort: UInt16
        var first: Int64, last: Int64
        var packets: [Packet] = []
        var omitted = 0
    }

    private(set) var targets: [Target] = []

    /// Rows whose endpoints do not parse are left out.
    init(rows: [TCPFlowRow]) {
        for row in rows {
            guard let c = PodDirectory.Endpoint(parsing: row.client), let s = PodDirectory.Endpoint(parsing: row.server)
            else { continue }
            // Exact nanoseconds (the row's timestamp is a decimal), and a microsecond's slack
            // for the duration's rounding to a double.
            let first = NSDecimalNumber(decimal: row.firstTimestamp * 1_000_000_000).int64Value
            targets.append(
                Target(
                    row: row, client: c.address, clientPort: c.port, server: s.address, serverPort: s.port,
                    first: first, last: first + Int64((row.duration * 1e9).rounded(.up)) + 1000))
        }
    }

    func packet(_ frame: borrowing DecodedFrame, _ packet: PassPacket) {
        // Fields read into locals: `&&` takes closures, which cannot capture the borrowed frame.
        let (sp, dp, time, source, destination) = (
            frame.sourcePort, frame.destinationPort, packet.time, frame.source,
            frame.destination
        )
        for i in targets.indices {
            let t = targets[i]
            let fromClient: Bool
            if sp == t.clientPort && dp == t.serverPort && source == t.client && destination == t.server {
                fromClient = true
            } else if sp == t.serverPort && dp == t.clientPort && source == t.server && destination == t.client {
                fromClient = false
            } else {
                continue
            }
            guard time >= t.first && time <= t.last else { continue }
            guard t.packets.count < Self.maximumPackets else {
                targets[i].omitted += 1
                return
            }
            let scale = frame.tcpFlags.contains(.syn) ? TCP.Options(frame.tcpOptions).windowScale : nil
            targets[i].packets.append(
                Packet(
                    time: time, fromClient: fromClient, sequence: frame.sequenceNumber,
                    ack: frame.acknowledgmentNumber, length: frame.payloadDeclaredLength,
                    flags: frame.tcpFlags, window: frame.window, windowScale: scale))
            return
        }
    }

    func write(into report: inout Report, rows: Int) {}

    /// Each connection's graph, in the rows' order.
    var graphs: [StreamGraph] { targets.map(StreamGraphBuilder.graph) }
}
