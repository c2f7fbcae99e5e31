import Dissectors

/// Each flow's observation point: where its first packet was seen (for a connection, where
/// its client's first packet was: the client pod's side when the capture has it). Its packets
/// are analysed as seen there, so that every time in the report is one point's.
///
/// Direct-mapped by a hash of the flow's key (as analysed, NAT views joined): `slots` entries,
/// 16 bytes each. Two flows on one slot: the later takes it, and the earlier, at its next
/// packet, is given the point that packet was first seen at (its times may then mix points).
struct FlowPoints {
    static let slots = 1 << 17

    private var keys = [UInt64](repeating: 0, count: FlowPoints.slots)
    private var points = [UInt16](repeating: 0, count: FlowPoints.slots)

    /// The flow's point, set to `point` when the flow has none.
    @inline(__always)
    mutating func point(of frame: borrowing DecodedFrame, seenAt point: Int) -> Int {
        let (i, hash) = Self.place(frame)
        if keys[i] == hash { return Int(points[i]) }
        keys[i] = hash
        points[i] = UInt16(truncatingIfNeeded: point)
        return point
    }

    /// The flow's point, if it has one (nothing set).
    func point(of frame: borrowing DecodedFrame) -> Int? {
        let (i, hash) = Self.place(frame)
        return keys[i] == hash ? Int(points[i]) : nil
    }

    /// The point of a TCP segment's flow, if it has one (as `point(of:)` for its frame).
    func point(ofTCP segment: SegmentRanges.Segment) -> Int? {
        let key = FlowKey.between(
            segment.source, segment.sourcePort, segment.destination, segment.destinationPort, ipProtocol: IPProtocol.tcp
        ).key
        let hash = key.hash(seed: 0x51_6874_696E_6773) | 1
        let i = Int(truncatingIfNeeded: hash >> 17) & (Self.slots - 1)
        return keys[i] == hash ? Int(points[i]) : nil
    }

    /// The flow's slot and the hash kept there (never 0: 0 is an empty slot).
    @inline(__always)
    private static func place(_ frame: borrowing DecodedFrame) -> (index: Int, hash: UInt64) {
        let hash = FlowKey.of(frame).key.hash(seed: 0x51_6874_696E_6773) | 1
        return (Int(truncatingIfNeeded: hash >> 17) & (slots - 1), hash)
    }
}
