/// Which way each conversation's packets go between observation points: per direction, the
/// hops its packets were seen to take (a point and the next point that saw the same packet),
/// and which side is the client (the source of the first packet seen to cross two points:
/// for a connection its SYN, for DNS its query). A packet whose latest sighting is at a point
/// its direction is known to leave for another, and that was never seen there, was lost
/// between the two (`PathTracker`).
///
/// Direct-mapped by a hash of the conversation (as analysed: NAT views joined): `slots`
/// entries of 8 + 1 + 48 bytes (1.8 MB, made when a second point appears). Per direction at
/// most `hopsPerDirection` hops are kept (the first seen: a path through more points than
/// that has its later hops unknown, and no loss is located there). Two conversations on one
/// slot: the later takes it; the earlier's packets then have no known path until they
/// cross two points again (losses in between are not located: undercounted, never invented).
struct FlowPaths {
    static let slots = 1 << 15
    static let hopsPerDirection = 6

    private var keys = [UInt64](repeating: 0, count: FlowPaths.slots)
    /// 1: the low side (`FlowKey`) is the client; 2: the high side.
    private var clients = [UInt8](repeating: 0, count: FlowPaths.slots)
    /// Per slot, `hopsPerDirection` hops from low to high, then as many from high to low, each
    /// `from << 16 | to` (0: none; a hop never has `from == to`, so 0 is no hop).
    private var hops = [UInt32](repeating: 0, count: FlowPaths.slots * 2 * FlowPaths.hopsPerDirection)

    @inline(__always)
    private static func place(_ key: FlowKey) -> (index: Int, hash: UInt64) {
        let hash = key.hash(seed: 0x7061_7468_7300) | 1
        return (Int(truncatingIfNeeded: hash >> 16) & (slots - 1), hash)
    }

    /// A packet of `key`, travelling low -> high when `fromLow`, went from point `from` to `to`.
    mutating func learn(_ key: FlowKey, fromLow: Bool, from: Int, to: Int) {
        let (i, hash) = Self.place(key)
        if keys[i] != hash {
            keys[i] = hash
            clients[i] = fromLow ? 1 : 2
            for h in 0 ..< 2 * Self.hopsPerDirection { hops[i * 2 * Self.hopsPerDirection + h] = 0 }
        }
        let hop = UInt32(truncatingIfNeeded: from) << 16 | UInt32(truncatingIfNeeded: to) & 0xFFFF
        let base = i * 2 * Self.hopsPerDirection + (fromLow ? 0 : Self.hopsPerDirection)
        for h in base ..< base + Self.hopsPerDirection {
            if hops[h] == hop { return }
            if hops[h] == 0 { hops[h] = hop; return }
        }
    }

    /// The point the direction's packets go to after `point`, if known (the first such hop
    /// seen), and whether the low side is the client.
    func next(after point: Int, _ key: FlowKey, fromLow: Bool) -> (point: Int, clientLow: Bool)? {
        let (i, hash) = Self.place(key)
        guard keys[i] == hash else { return nil }
        let base = i * 2 * Self.hopsPerDirection + (fromLow ? 0 : Self.hopsPerDirection)
        for h in base ..< base + Self.hopsPerDirection {
            let hop = hops[h]
            if hop == 0 { return nil }
            if Int(hop >> 16) == point { return (Int(hop & 0xFFFF), clients[i] == 1) }
        }
        return nil
    }

    /// Whether the direction's packets are known to pass `point` (a hop into or out of it).
    func passes(_ point: Int, _ key: FlowKey, fromLow: Bool) -> Bool {
        let (i, hash) = Self.place(key)
        guard keys[i] == hash else { return false }
        let base = i * 2 * Self.hopsPerDirection + (fromLow ? 0 : Self.hopsPerDirection)
        for h in base ..< base + Self.hopsPerDirection {
            let hop = hops[h]
            if hop == 0 { return false }
            if Int(hop >> 16) == point || Int(hop & 0xFFFF) == point { return true }
        }
        return false
    }
}
