import CaptureFormats
import Dissectors

/// What the DNS analysis takes from a frame besides its payload. Plain values, so a frame
/// can be handed to the DNS thread (`DNSWorker`) as this and a copy of the payload's bytes.
struct DNSFrame {
    var source: IPAddress
    var destination: IPAddress
    var sourcePort: UInt16
    var destinationPort: UInt16
    var overTCP: Bool
    var tcpFlags: TCP.Flags
    var sequence: UInt32
    var acknowledgment: UInt32
    var time: Int64
    var timestamp: Timestamp?
    var key: FlowKey
    var fromLow: Bool
    /// DNS over UDP in a report: the frame is counted in `DNSConversations` (not in the
    /// pass's flow table), and analysed only when `analyze` (the pod selection took it).
    var conversation: Conversation?

    struct Conversation {
        var wireLength: Int
        /// The frame number, the serial of a flow it starts.
        var serial: Int
        /// The pass's expiry clock at this frame.
        var clock: Int64
        /// The pass's flow table's last sweep (the conversations' table sweeps with it).
        var sweptAt: Int64
        var analyze: Bool
    }

    init(_ frame: DecodedFrame, overTCP: Bool, time: Int64, timestamp: Timestamp?, key: FlowKey, fromLow: Bool) {
        source = frame.source
        destination = frame.destination
        sourcePort = frame.sourcePort
        destinationPort = frame.destinationPort
        self.overTCP = overTCP
        tcpFlags = frame.tcpFlags
        sequence = frame.sequenceNumber
        acknowledgment = frame.acknowledgmentNumber
        self.time = time
        self.timestamp = timestamp
        self.key = key
        self.fromLow = fromLow
    }
}
