import Foundation

/// The `tcp` section of `loupe report`. Counters count packets (frames), like tshark's
/// display filters of the same meaning (`tcp.analysis.retransmission`, ...); a fast or
/// spurious retransmission is also counted in `retransmissions`.
public struct TCPSection: Codable, Sendable, Equatable {
    /// TCP streams (tshark's `tcp.stream`): a reused 5-tuple counts again.
    public var connections: Int
    /// Connections whose handshake the capture never showed (no SYN: the capture began after
    /// them, or missed them), and connections seen in one direction only (asymmetric routing,
    /// a capture on one side of a NAT, or loss at capture). Capture quality, not network faults.
    public var midStreamConnections = 0
    public var oneSidedConnections = 0
    public var retransmissions: Int
    public var fastRetransmissions: Int
    public var spuriousRetransmissions: Int
    public var outOfOrder: Int
    public var duplicateAcks: Int
    public var zeroWindows: Int
    public var zeroWindowProbes: Int
    /// "Previous segment not captured".
    public var lostSegments: Int
    /// "ACKed segment that wasn't captured".
    public var ackedUnseenSegments: Int
    public var keepAlives: Int
    public var windowFull: Int
    /// Packets with RST set.
    public var resets: Int
    /// Connections ended by a RST, by how the first one came: "refused" (to a SYN),
    /// "abortedByClient"/"abortedByServer" (data outstanding), "afterClose" (a FIN already
    /// sent or received, nothing of the sender's outstanding), "idle", "halfOpen" (the
    /// sender had sent nothing). Only refused and aborted ones are failures.
    public var resetsByKind: [String: Int] = [:]
    /// Retransmitted data packets / data packets, 0 to 1.
    public var retransmissionRate: Double
    /// Handshake round trip per connection (tshark's `tcp.analysis.initial_rtt`).
    public var initialRtt: Percentiles
    /// ACK round trips (tshark's `tcp.analysis.ack_rtt`) of data each side sent.
    public var ackRtt: ACKRTT
    /// Connections, worst first: most retransmissions, then lost segments, zero windows,
    /// resets, out-of-order, duplicate ACKs, bytes.
    public var flows: RowList<TCPFlowRow>

    public struct ACKRTT: Codable, Sendable, Equatable {
        public var clientToServer: Percentiles
        public var serverToClient: Percentiles
        public init(clientToServer: Percentiles, serverToClient: Percentiles) {
            self.clientToServer = clientToServer
            self.serverToClient = serverToClient
        }
    }

    public init(
        connections: Int, retransmissions: Int, fastRetransmissions: Int, spuriousRetransmissions: Int,
        outOfOrder: Int, duplicateAcks: Int, zeroWindows: Int, zeroWindowProbes: Int, lostSegments: Int,
        ackedUnseenSegments: Int, keepAlives: Int, windowFull: Int, resets: Int, retransmissionRate: Double,
        initialRtt: Percentiles, ackRtt: ACKRTT, flows: RowList<TCPFlowRow>
    ) {
        self.connections = connections
        self.retransmissions = retransmissions
        self.fastRetransmissions = fastRetransmissions
        self.spuriousRetransmissions = spuriousRetransmissions
        self.outOfOrder = outOfOrder
        self.duplicateAcks = duplicateAcks
        self.zeroWindows = zeroWindows
        self.zeroWindowProbes = zeroWindowProbes
        self.lostSegments = lostSegments
        self.ackedUnseenSegments = ackedUnseenSegments
        self.keepAlives = keepAlives
        self.windowFull = windowFull
        self.resets = resets
        self.retransmissionRate = retransmissionRate
        self.initialRtt = initialRtt
        self.ackRtt = ackRtt
        self.flows = flows
    }
}

/// One TCP connection.
public struct TCPFlowRow: Codable, Sendable, Equatable {
    public var id: String
    public var client: String
    public var server: String
    public var firstTimestamp: Decimal
    /// Last minus first packet, seconds.
    public var duration: Double
    public var packets: Int
    public var bytes: Int
    public var payloadBytes: Int
    public var retransmissions: Int
    public var fastRetransmissions: Int
    public var spuriousRetransmissions: Int
    public var outOfOrder: Int
    public var duplicateAcks: Int
    public var zeroWindows: Int
    public var lostSegments: Int
    public var resets: Int
    public var retransmissionRate: Double
    /// Seconds, null when no handshake was seen.
    @Null public var initialRtt: Double?
    /// Zeek's conn_state (S0, S1, SF, REJ, RSTO, RSTR, SH, OTH, ...).
    public var connState: String
    /// Zeek's history letters (uppercase: client).
    public var history: String
    /// Who sent a RST: "client", "server", "both", or null.
    @Null public var resetBy: String?
    /// How the first RST came (see `TCPSection.resetsByKind`), or null.
    @Null public var resetKind: String? = nil
    /// Frame numbers (1-based, over the inputs merged: tshark's for one input) of its first
    /// retransmissions, at most 5.
    public var retransmittedFrames: [Int] = []
    /// "namespace/name" of the pod at each end when `--pods` metadata names it, else null.
    @Null public var clientPod: String? = nil
    @Null public var serverPod: String? = nil
    /// The Kubernetes Service ("namespace/name") the connection went to: its cluster IP, or
    /// a backend paired with a cluster-IP connection from the same client port (NAT).
    @Null public var service: String? = nil

    public init(
        id: String, client: String, server: String, firstTimestamp: Decimal, duration: Double, packets: Int,
        bytes: Int, payloadBytes: Int, retransmissions: Int, fastRetransmissions: Int,
        spuriousRetransmissions: Int, outOfOrder: Int, duplicateAcks: Int, zeroWindows: Int, lostSegments: Int,
        resets: Int, retransmissionRate: Double, initialRtt: Double?, connState: String, history: String,
        resetBy: String?
    ) {
        self.id = id
        self.client = client
        self.server = server
        self.firstTimestamp = firstTimestamp
        self.duration = duration
        self.packets = packets
        self.bytes = bytes
        self.payloadBytes = payloadBytes
        self.retransmissions = retransmissions
        self.fastRetransmissions = fastRetransmissions
        self.spuriousRetransmissions = spuriousRetransmissions
        self.outOfOrder = outOfOrder
        self.duplicateAcks = duplicateAcks
        self.zeroWindows = zeroWindows
        self.lostSegments = lostSegments
        self.resets = resets
        self.retransmissionRate = retransmissionRate
        self.initialRtt = initialRtt
        self.connState = connState
        self.history = history
        self.resetBy = resetBy
    }

    /// In key order: the JSON writer then never moves this object's members (it sorts
    /// them; in declaration order they came unsorted).
    enum CodingKeys: String, CodingKey {
        case bytes, client, clientPod, connState, duplicateAcks, duration, fastRetransmissions
        case firstTimestamp, history, id, initialRtt, lostSegments, outOfOrder, packets, payloadBytes
        case resetBy, resetKind, resets, retransmissionRate, retransmissions, retransmittedFrames, server, serverPod, service
        case spuriousRetransmissions, zeroWindows
    }
}
