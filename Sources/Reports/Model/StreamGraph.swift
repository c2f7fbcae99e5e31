/// One TCP connection's time-sequence graph (Stevens' graph, as tcptrace and Wireshark draw
/// it): the bytes one side sent, by sequence number over time, with the other side's
/// acknowledgements and the right edge of its receive window. The side drawn is the one that
/// sent more payload. Times are seconds from `start`; sequence numbers are bytes from the
/// sender's first (the byte after its SYN when the SYN was seen), so ACKs and window edges
/// share the data's axis. The HTML report draws it; no other format carries it.
public struct StreamGraph: Sendable, Equatable {
    public struct Segment: Sendable, Equatable {
        public var time: Double
        public var sequence: Int64
        public var length: Int
        /// It starts below the highest byte sent before it (tcptrace's rule): a retransmission,
        /// fast or not, or a segment that arrived out of order (tshark's three flags).
        public var retransmission: Bool
        public init(time: Double, sequence: Int64, length: Int, retransmission: Bool) {
            (self.time, self.sequence, self.length, self.retransmission) = (time, sequence, length, retransmission)
        }
    }

    public struct Ack: Sendable, Equatable {
        public var time: Double
        public var ack: Int64
        /// `ack` plus the advertised window, scaled when both SYNs offered window scaling.
        public var windowEdge: Int64
        /// A bare ACK repeating the previous one with the same window (Wireshark's duplicate ACK).
        public var duplicate: Bool
        public init(time: Double, ack: Int64, windowEdge: Int64, duplicate: Bool) {
            (self.time, self.ack, self.windowEdge, self.duplicate) = (time, ack, windowEdge, duplicate)
        }
    }

    /// The connection's id (`tcp.flows`).
    public var id: String
    /// Who sent the data drawn, and who acknowledged it: a pod's name, else "ip:port".
    public var sender: String
    public var receiver: String
    /// The connection's first packet, epoch seconds.
    public var start: Double
    public var segments: [Segment] = []
    public var acks: [Ack] = []
    /// Packets of the connection past the graph's bound, not drawn.
    public var omitted = 0
    /// Segments marked `retransmission`.
    public var retransmissions = 0
    public var duplicateAcks = 0

    public init(id: String, sender: String, receiver: String, start: Double) {
        (self.id, self.sender, self.receiver, self.start) = (id, sender, receiver, start)
    }
}
