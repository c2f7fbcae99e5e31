/// Each node's clock against the first node's, from packets seen on both (captures of several
/// nodes read together). A packet seen at node A and then at node B gives δ = t_B − t_A, in
/// each node's own clock: for a packet that went A → B, δ = offset + delay(A→B); for one that
/// went B → A, δ = offset − delay(B→A). Which way it went is told by its TTL (hop limit),
/// which only falls along a path (`Sightings.clock`); the sample is taken between its last
/// sighting on the sending node and its first on the receiving one. With the smallest δ of
/// the first kind (m1) and the largest of the second (m2), and assuming equal smallest delays
/// both ways (a passive capture cannot tell a clock offset from an asymmetric one-way delay):
/// offset = (m1 + m2) / 2, with error bound (m1 − m2) / 2: half the smallest round trip
/// between the two sighting points; the true offset is within it whatever the asymmetry.
///
/// Bound: `maximumPairs` node pairs (past it, pairs are not tracked: counted in `untracked`).
struct NodeClocks {
    static let maximumPairs = 4096

    struct Pair {
        /// Smallest δ of packets that went from the lower node to the higher, largest of those
        /// that went the other way (nanoseconds, in the nodes' own clocks).
        var down: Int64 = .max
        var up: Int64 = .min
    }

    /// By (lower node, higher node) packed as lower << 16 | higher.
    private(set) var pairs: [UInt32: Pair] = [:]
    private(set) var untracked = 0

    /// A packet seen leaving node `sender` at `sent` and arriving at node `receiver` at
    /// `received` (nanoseconds, each node's own clock).
    mutating func observe(sender: Int, sent: Int64, receiver: Int, received: Int64) {
        guard sender != receiver, sender < 1 << 16, receiver < 1 << 16 else { return }
        let (a, b) = sender < receiver ? (sender, receiver) : (receiver, sender)
        // δ = t_b − t_a; the packet went a → b when a sent it.
        let (ta, tb) = sender == a ? (sent, received) : (received, sent)
        let (delta, overflow) = tb.subtractingReportingOverflow(ta)
        guard !overflow else { return }
        let key = UInt32(a) << 16 | UInt32(b)
        guard pairs[key] != nil || pairs.count < Self.maximumPairs else {
            untracked += 1
            return
        }
        var p = pairs[key] ?? Pair()
        if sender == a { p.down = min(p.down, delta) } else { p.up = max(p.up, delta) }
        pairs[key] = p
    }

    /// Node `n`'s clock minus node 0's and the error bound (seconds), when packets went both
    /// ways between them; node 0 itself is (0, 0).
    func offset(ofNode n: Int) -> (offset: Double, error: Double)? {
        if n == 0 { return (0, 0) }
        guard n < 1 << 16, let p = pairs[UInt32(n)], p.down != .max, p.up != .min, p.down >= p.up else { return nil }
        let m1 = Double(p.down), m2 = Double(p.up)
        return ((m1 + m2) / 2 / 1e9, (m1 - m2) / 2 / 1e9)
    }
}
