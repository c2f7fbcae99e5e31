/// Frames carrying each analysis flag, like tshark's display-filter counts. Frame counters
/// are 32-bit (a connection of 4 billion packets saturates them) to keep live connections
/// small: a half-open flood keeps hundreds of thousands alive.
public struct TCPCounts: Hashable, Sendable {
    public var packets: UInt32 = 0
    public var bytes = 0
    public var payloadBytes = 0
    /// Retransmissions of any kind (plain, fast, spurious): `tcp.analysis.retransmission`.
    public var retransmissions: UInt32 = 0
    public var fastRetransmissions: UInt32 = 0
    public var spuriousRetransmissions: UInt32 = 0
    public var outOfOrder: UInt32 = 0
    public var duplicateAcks: UInt32 = 0
    public var zeroWindows: UInt32 = 0
    public var zeroWindowProbes: UInt32 = 0
    public var lostSegments: UInt32 = 0
    public var ackedUnseenSegments: UInt32 = 0
    public var keepAlives: UInt32 = 0
    public var windowFull: UInt32 = 0
    /// Frames with RST set.
    public var resets: UInt32 = 0
    /// Segments with payload, and those of them retransmitted (any kind).
    public var dataPackets: UInt32 = 0
    public var retransmittedDataPackets: UInt32 = 0

    public init() {}

    mutating func count(_ f: TCPAnalysisFlags, length: UInt32, rst: Bool, wire: Int) {
        packets &+= 1
        bytes &+= wire
        payloadBytes &+= Int(length)
        if f.isAnyRetransmission {
            retransmissions &+= 1
            if length > 0 { retransmittedDataPackets &+= 1 }
        }
        if f.contains(.fastRetransmission) { fastRetransmissions &+= 1 }
        if f.contains(.spuriousRetransmission) { spuriousRetransmissions &+= 1 }
        if f.contains(.outOfOrder) { outOfOrder &+= 1 }
        if f.contains(.duplicateAck) { duplicateAcks &+= 1 }
        if f.contains(.zeroWindow) { zeroWindows &+= 1 }
        if f.contains(.zeroWindowProbe) { zeroWindowProbes &+= 1 }
        if f.contains(.lostSegment) { lostSegments &+= 1 }
        if f.contains(.ackedUnseenSegment) { ackedUnseenSegments &+= 1 }
        if f.contains(.keepAlive) { keepAlives &+= 1 }
        if f.contains(.windowFull) { windowFull &+= 1 }
        if rst { resets &+= 1 }
        if length > 0 { dataPackets &+= 1 }
    }

    mutating func add(_ o: TCPCounts) {
        packets &+= o.packets; bytes &+= o.bytes; payloadBytes &+= o.payloadBytes
        retransmissions &+= o.retransmissions; fastRetransmissions &+= o.fastRetransmissions
        spuriousRetransmissions &+= o.spuriousRetransmissions; outOfOrder &+= o.outOfOrder
        duplicateAcks &+= o.duplicateAcks; zeroWindows &+= o.zeroWindows; zeroWindowProbes &+= o.zeroWindowProbes
        lostSegments &+= o.lostSegments; ackedUnseenSegments &+= o.ackedUnseenSegments; keepAlives &+= o.keepAlives
        windowFull &+= o.windowFull; resets &+= o.resets; dataPackets &+= o.dataPackets
        retransmittedDataPackets &+= o.retransmittedDataPackets
    }

    /// Retransmitted data packets over data packets, 0 to 1.
    public var retransmissionRate: Double {
        dataPackets == 0 ? 0 : Double(retransmittedDataPackets) / Double(dataPackets)
    }
}
