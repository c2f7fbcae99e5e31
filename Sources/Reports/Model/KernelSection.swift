/// What the kernel saw during the capture (a bundle's `events.jsonl`, recorded by loupe-agent's
/// eBPF programs), next to what the wire shows: the retransmissions the kernel made against
/// those the capture's TCP analysis finds, state changes, and drops by the kernel's reason.
/// Null in the report when the input has no kernel events.
public struct KernelSection: Codable, Sendable, Equatable {
    public var files: [String] = []
    /// Tracepoints that ran, e.g. "tcp_retransmit_skb (tp_btf)", and those that could not.
    public var attached: [String] = []
    public var unavailable: [String] = []
    public var events = 0
    /// Events the kernel could not queue (ring buffer full).
    public var lost = 0
    /// Every file ended with the agent's stop line.
    public var complete = true
    /// Segments the kernel retransmitted (tcp_retransmit_skb), on every connection of the node.
    public var retransmissions = 0
    /// Retransmissions the kernel attempted but could not send (the tracepoint's error, e.g.
    /// EBUSY): not on the wire, not in `retransmissions`.
    public var failedRetransmissions = 0
    /// Of those, on connections the capture shows.
    public var retransmissionsOnCapturedConnections = 0
    /// The capture's retransmissions (tcp.retransmissions), all connections...
    public var wireRetransmissions = 0
    /// ... and on the connections the kernel retransmitted on (both directions).
    public var wireRetransmissionsOnThoseConnections = 0
    /// ... and the segments tshark's rules call out-of-order there: on a link whose RTT is
    /// below a millisecond a resend that follows new data within the RTT gets that name, so
    /// the kernel's retransmissions match the wire's retransmissions plus out-of-order.
    public var wireOutOfOrderOnThoseConnections = 0
    /// Per connection the kernel retransmitted on, most first; `wire` is null when the capture
    /// does not show the connection (another interface, or outside the capture's time).
    public var connections = RowList<KernelRetransmissionRow>(total: 0, rows: [])
    public var stateChanges = 0
    /// TCP state transitions ("ESTABLISHED -> FIN_WAIT1"), most first.
    public var transitions = RowList<NameCount>(total: 0, rows: [])
    public var drops = 0
    public var dropBytes = 0
    public var dropReasons = RowList<DropReasonRow>(total: 0, rows: [])
    public init() {}
}

public struct KernelRetransmissionRow: Codable, Sendable, Equatable {
    public var sender: String
    public var receiver: String
    public var kernel: Int
    @Null public var wire: Int?
    @Null public var wireOutOfOrder: Int?
    /// The socket's smoothed RTT at its last retransmission, seconds.
    @Null public var smoothedRtt: Double?
    /// The network namespace's inode (which pod's namespace, on the node).
    public var netns: UInt64
    public init(
        sender: String, receiver: String, kernel: Int, wire: Int?, wireOutOfOrder: Int?, smoothedRtt: Double?,
        netns: UInt64
    ) {
        self.wireOutOfOrder = wireOutOfOrder
        self.sender = sender
        self.receiver = receiver
        self.kernel = kernel
        self.wire = wire
        self.smoothedRtt = smoothedRtt
        self.netns = netns
    }
}

public struct DropReasonRow: Codable, Sendable, Equatable {
    public var reason: String
    public var drops: Int
    public var bytes: Int
    public init(reason: String, drops: Int, bytes: Int) {
        self.reason = reason
        self.drops = drops
        self.bytes = bytes
    }
}
