/// Which way each conversation's packets go between observation points: per direction, the
/// hops its packets were seen to take (a point and the next point that saw the same packet),
/// and which side is the client (the source of the first packet seen to cross two points:
/// for a connection its SYN, for DNS its query). A packet whose latest sighting is at a point
/// its direction is known to leave for another, and that was never seen there, was lost
/// between the two (`PathTracker`).
///
/// Direct-mapped by a hash of the conversation (as analysed: NAT views joined): `slots`
/// entries of 80 bytes (2.5 MiB, made when a second point appears). Per direction at
/// most `hopsPerDirection` hops are kept (the first seen: a path through more points than
/// that has its later hops unknown, and no loss is located there). Two conversations on one
/// slot: the later takes it; the earlier's packets then have no known path until they
/// cross two points again (losses in between are not located: undercounted, never invented).
struct FlowPaths {
    static let slots = 1 << 15
    static let hopsPerDirection = 8

    /// One conversation, 80 bytes: its hash, its client side, and its hops from low to high
    /// then from high to low, each `from << 16 | to` (0: none; a hop never has `from == to`,
    /// so 0 is no hop).
    struct Entry {
        var key: UInt64 = 0
        var hops = InlineArray<16, UInt32>(repeating: 0)
        /// 1: the low side (`FlowKey`) is the client; 2: the high side.
        var client: UInt8 = 0
    }

    /// Empty until the first hop is learnt (a capture at one point never makes the table).
    private var entries: [Entry] = []

    /// Whether any hop was learnt.
    var isEmpty: Bool { entries.isEmpty }

    @inline(__always)
    private static func place(_ key: FlowKey) -> (index: Int, hash: UInt64) {
        let hash = key.hash(seed: 0x7061_7468_7300) | 1
        return (Int(truncatingIfNeeded: hash >> 16) & (slots - 1), hash)
    }

    /// A packet of `key`, travelling low -> high when `fromLow`, went from point `from` to `to`.
    mutating func learn(_ key: FlowKey, fromLow: Bool, from: Int, to: Int) {
        if entries.isEmpty { entries = [Entry](repeating: Entry(), count: Self.slots) }
        let (i, hash) = Self.place(key)
        let hop = UInt32(truncatingIfNeeded: from) << 16 | UInt32(truncatingIfNeeded: to) & 0xFFFF
        let base = fromLow ? 0 : Self.hopsPerDirection
        entries.withUnsafeMutableBufferPointer { all in
            if all[i].key != hash {
                all[i] = Entry()
                all[i].key = hash
                all[i].client = fromLow ? 1 : 2
            }
            for h in base..<base + Self.hopsPerDirection {
                let known = all[i].hops[h]
                if known == hop { return }
                if known == 0 { all[i].hops[h] = hop; return }
            }
        }
    }

    /// The point the direction's packets go to after `point`, if known (the first such hop
    /// seen), and whether the low side is the client.
    func next(after point: Int, _ key: FlowKey, fromLow: Bool) -> (point: Int, clientLow: Bool)? {
        guard !entries.isEmpty else { return nil }
        let (i, hash) = Self.place(key)
        return entries.withUnsafeBufferPointer { all -> (point: Int, clientLow: Bool)? in
            guard all[i].key == hash else { return nil }
            let base = fromLow ? 0 : Self.hopsPerDirection
            for h in base..<base + Self.hopsPerDirection {
                let hop = all[i].hops[h]
                if hop == 0 { return nil }
                if Int(hop >> 16) == point { return (Int(hop & 0xFFFF), all[i].client == 1) }
            }
            return nil
        }
    }

    /// Whether the direction's packets are known to pass `point` (a hop into or out of it).
    func passes(_ point: Int, _ key: FlowKey, fromLow: Bool) -> Bool {
        guard !entries.isEmpty else { return false }
        let (i, hash) = Self.place(key)
        return entries.withUnsafeBufferPointer { all in
            guard all[i].key == hash else { return false }
            let base = fromLow ? 0 : Self.hopsPerDirection
            for h in base..<base + Self.hopsPerDirection {
                let hop = all[i].hops[h]
                if hop == 0 { return false }
                if Int(hop >> 16) == point || Int(hop & 0xFFFF) == point { return true }
            }
            return false
        }
    }
}
