import CaptureFormats
import Dissectors

/// DNS over TCP: each direction reassembled, then cut into messages at their 2-byte length
/// prefix (RFC 1035 4.2.2), each message then read as one over UDP.
extension DNSAnalysis {
    /// A TCP segment: reassembled per direction, then framed.
    mutating func tcpSegment(_ frame: DNSFrame, payload bytes: ByteSlice) {
        let key = frame.key, fromLow = frame.fromLow, time = frame.time, timestamp = frame.timestamp
        let flags = frame.tcpFlags
        guard
            var connection = tcpStreams.take(
                key, syn: flags.contains(.syn) && !flags.contains(.ack),
                create: bytes.count > 0 || flags.contains(.syn))
        else { return }
        let brokenBefore = DNSTCPStreams.broken(connection)
        var forward = fromLow ? connection.low : connection.high
        var reverse = fromLow ? connection.high : connection.low
        var reassembler = forward.reassembler
        var framer = forward.framer
        var budget = reassemblyBudget
        var held = tcpStreams.framingBytes
        let limit = DNSTCPStreams.maximumFramingBytes
        let source = frame.source, sourcePort = frame.sourcePort
        let destination = frame.destination, destinationPort = frame.destinationPort
        let payload = UnsafeRawBufferPointer(start: bytes.base.baseAddress, count: bytes.count)
        reassembler.segment(
            sequence: frame.sequence, syn: flags.contains(.syn), payload: payload,
            time: time, budget: &budget
        ) { chunk in
            framer.receive(chunk, held: &held, limit: limit) { bytes, t in
                message(
                    ByteSlice(bytes), source: source, sourcePort: sourcePort, destination: destination,
                    destinationPort: destinationPort, overTCP: true, time: t, timestamp: timestamp, key: key)
            }
        }
        forward.reassembler = reassembler
        forward.framer = framer
        if flags.contains(.ack) {
            // Data the peer acknowledged but the capture never showed is a gap now.
            var reverseFramer = reverse.framer
            reverse.reassembler.acknowledged(frame.acknowledgment, budget: &budget) { chunk in
                reverseFramer.receive(chunk, held: &held, limit: limit) { bytes, t in
                    message(
                        ByteSlice(bytes), source: destination, sourcePort: destinationPort, destination: source,
                        destinationPort: sourcePort, overTCP: true, time: t, timestamp: timestamp, key: key)
                }
            }
            reverse.framer = reverseFramer
        }
        reassemblyBudget = budget
        tcpStreams.framingBytes = held
        if fromLow {
            (connection.low, connection.high) = (forward, reverse)
        } else {
            (connection.high, connection.low) = (forward, reverse)
        }
        if flags.contains(.fin) { if fromLow { connection.finFromLow = true } else { connection.finFromHigh = true } }
        let ended = flags.contains(.rst) || (connection.finFromLow && connection.finFromHigh)
        tcpStreams.store(connection, key, ended: ended, gapsBefore: brokenBefore)
    }
}
