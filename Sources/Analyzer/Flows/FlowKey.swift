import Dissectors

/// A bidirectional conversation key: the two endpoints in a canonical order (lower
/// address and port first), so both directions of a conversation find the same flow.
public struct FlowKey: Hashable, Sendable {
    public var lowAddress: IPAddress
    public var highAddress: IPAddress
    public var lowPort: UInt16
    public var highPort: UInt16
    public var ipProtocol: UInt8

    /// The key of a frame's conversation, and whether the frame travels low -> high.
    @inline(__always)
    public static func of(_ frame: DecodedFrame) -> (key: FlowKey, fromLow: Bool) {
        let sp = frame.hasPorts ? frame.sourcePort : 0, dp = frame.hasPorts ? frame.destinationPort : 0
        return between(frame.source, sp, frame.destination, dp, ipProtocol: frame.ipProtocol)
    }

    /// The key of the conversation from one endpoint to another, and whether that direction
    /// is low -> high.
    @inline(__always)
    public static func between(
        _ source: IPAddress, _ sourcePort: UInt16, _ destination: IPAddress,
        _ destinationPort: UInt16, ipProtocol: UInt8
    ) -> (key: FlowKey, fromLow: Bool) {
        let fromLow = source < destination || (source == destination && sourcePort <= destinationPort)
        let key =
            fromLow
            ? FlowKey(
                lowAddress: source, highAddress: destination, lowPort: sourcePort, highPort: destinationPort,
                ipProtocol: ipProtocol)
            : FlowKey(
                lowAddress: destination, highAddress: source, lowPort: destinationPort, highPort: sourcePort,
                ipProtocol: ipProtocol)
        return (key, fromLow)
    }

    /// Into a `Hasher` (for the `Dictionary`s keyed by flow: per-flow HTTP and DNS-over-TCP
    /// state, kernel watches): one word, this key's own mix, seeded per process, instead of
    /// seven fields through SipHash (those tables are probed per packet).
    public func hash(into hasher: inout Hasher) {
        hasher.combine(hash(seed: Self.processSeed))
    }

    private static let processSeed = UInt64.random(in: .min ... .max)

    /// A cheap, well-mixed hash (`finalizeHash` over the folded words). Seeded per
    /// table so that a capture cannot be crafted to collide on purpose.
    @inline(__always)
    func hash(seed: UInt64) -> UInt64 {
        var h = seed
        h ^= lowAddress.high &* 0x9E37_79B9_7F4A_7C15
        h ^= (lowAddress.low &+ 0x632B_E59B_D9B4_E019) &* 0xC2B2_AE3D_27D4_EB4F
        h = (h << 31 | h >> 33) &* 0x1656_67B1_9E37_79F9
        h ^= highAddress.high &* 0x27D4_EB2F_1656_67C5
        h ^= (highAddress.low &+ 0x94D0_49BB_1331_11EB) &* 0x9E37_79B9_7F4A_7C15
        h ^= UInt64(lowPort) << 40 | UInt64(highPort) << 16 | UInt64(ipProtocol)
        return finalizeHash(h)
    }
}
