/// What the sequence analysis says about one segment: Wireshark's `tcp.analysis.*` flags.
/// A fast or spurious retransmission is also a retransmission when counted (tshark adds
/// the `tcp.analysis.retransmission` expert item for all three).
public struct TCPAnalysisFlags: OptionSet, Hashable, Sendable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let retransmission = Self(rawValue: 1 << 0)
    public static let fastRetransmission = Self(rawValue: 1 << 1)
    public static let spuriousRetransmission = Self(rawValue: 1 << 2)
    public static let outOfOrder = Self(rawValue: 1 << 3)
    public static let lostSegment = Self(rawValue: 1 << 4)
    public static let ackedUnseenSegment = Self(rawValue: 1 << 5)
    public static let duplicateAck = Self(rawValue: 1 << 6)
    public static let zeroWindow = Self(rawValue: 1 << 7)
    public static let zeroWindowProbe = Self(rawValue: 1 << 8)
    public static let zeroWindowProbeAck = Self(rawValue: 1 << 9)
    public static let keepAlive = Self(rawValue: 1 << 10)
    public static let keepAliveAck = Self(rawValue: 1 << 11)
    public static let windowUpdate = Self(rawValue: 1 << 12)
    public static let windowFull = Self(rawValue: 1 << 13)
    public static let reusedPorts = Self(rawValue: 1 << 14)

    /// Frames tshark's `tcp.analysis.retransmission` filter matches.
    public var isAnyRetransmission: Bool {
        !intersection([.retransmission, .fastRetransmission, .spuriousRetransmission]).isEmpty
    }

    /// tshark's expert ids, for findings and tests.
    public static let expertIDs: [(TCPAnalysisFlags, String)] = [
        (.retransmission, "tcp.analysis.retransmission"),
        (.fastRetransmission, "tcp.analysis.fast_retransmission"),
        (.spuriousRetransmission, "tcp.analysis.spurious_retransmission"),
        (.outOfOrder, "tcp.analysis.out_of_order"),
        (.lostSegment, "tcp.analysis.lost_segment"),
        (.ackedUnseenSegment, "tcp.analysis.ack_lost_segment"),
        (.duplicateAck, "tcp.analysis.duplicate_ack"),
        (.zeroWindow, "tcp.analysis.zero_window"),
        (.zeroWindowProbe, "tcp.analysis.zero_window_probe"),
        (.zeroWindowProbeAck, "tcp.analysis.zero_window_probe_ack"),
        (.keepAlive, "tcp.analysis.keep_alive"),
        (.keepAliveAck, "tcp.analysis.keep_alive_ack"),
        (.windowUpdate, "tcp.analysis.window_update"),
        (.windowFull, "tcp.analysis.window_full"),
        (.reusedPorts, "tcp.analysis.reused_ports"),
    ]
}
