import CaptureFormats
import Dissectors

/// Clock offsets between nodes too large for the sightings window (`Sightings.window`),
/// estimated before the pass from the first records of each input, so that the pass reads
/// each node's records shifted onto the first node's clock (`MergingReader.shifts`): a node
/// whose clock is seconds off (NTP lost) would otherwise have none of its copies matched to
/// the other nodes' sightings, and neither a clock offset nor a hop between nodes.
///
/// How: each IP packet's identity (`SightingKey`: no address, no time) in the first
/// `recordsPerInput` records of each input, kept per node with its first and last time and its
/// smallest and largest TTL. A packet seen on the first node and on another went from the one
/// where its TTL was higher (TTL only falls along a path; one TTL throughout tells no way);
/// δ = t(other) − t(first), from its
/// last sighting on the sender to its first on the receiver, is offset + delay one way and
/// offset − delay the other. The estimate is the mean of the two ways' medians (robust to a
/// few identities that collide); the pass then measures what is left within its window
/// (`NodeClocks`), to within its error bound.
///
/// A node is shifted when its offset is larger than the one-way delay: then one way's packets
/// would be read at the receiver before the sender (the medians of δ both ways have one sign),
/// and their hop would be missed. Smaller offsets are left to the pass (times stay as
/// recorded); a shifted node's times are shown on the first node's clock.
///
/// Bounds: `recordsPerInput` records read per input (and at most `maximumRecords` over all),
/// so the identities kept are as many; both freed before the pass begins.
enum ClockPrescan {
    static let recordsPerInput = 50_000
    static let maximumRecords = 400_000
    /// Samples needed each way between two nodes.
    static let minimumSamples = 8

    /// What one node saw of one packet.
    struct Seen {
        var first: Int64
        var last: Int64
        var lowestTTL: UInt8
        var highestTTL: UInt8
    }

    /// Per input, the nanoseconds to subtract from its records' times (0: none). `nodes`: each
    /// input's node (`ObservationPoints.initialNodes`); the first input's node is the
    /// reference. Unreadable inputs shift nothing (the pass reports them).
    static func shifts(paths: [String], nodes: [String], recordsPerInput: Int = recordsPerInput) -> [Int64] {
        var shifts = [Int64](repeating: 0, count: paths.count)
        let names = Array(Set(nodes))
        guard paths.count > 1, nodes.count == paths.count, names.count > 1 else { return shifts }
        let perInput = min(recordsPerInput, maximumRecords / paths.count)
        var seen: [String: [UInt64: Seen]] = [:]
        var frame = DecodedFrame()
        for (path, node) in zip(paths, nodes) {
            guard var reader = try? CaptureReader(path: path) else { continue }
            var table = seen[node] ?? [:]
            var read = 0
            while read < perInput, let record = reader.next() {
                read += 1
                guard let t = record.timestamp else { continue }
                FrameDecoder.decode(
                    linkType: record.linkType.rawValue, bytes: record.data, originalLength: record.originalLength,
                    into: &frame)
                guard frame.ipVersion != 0 else { continue }
                observe(&table, SightingKey.identity(frame), time: t.saturatingNanoseconds, ttl: frame.ipTTL)
            }
            seen[node] = table
        }
        let reference = seen[nodes[0]] ?? [:]
        var offsetOfNode: [String: Int64] = [:]
        for name in names where name != nodes[0] {
            if let o = offset(reference, seen[name] ?? [:]), o.readsAhead { offsetOfNode[name] = o.offset }
        }
        for i in paths.indices { shifts[i] = offsetOfNode[nodes[i]] ?? 0 }
        return shifts
    }

    static func observe(_ table: inout [UInt64: Seen], _ identity: UInt64, time: Int64, ttl: UInt8) {
        if let i = table.index(forKey: identity) {
            let s = table.values[i]
            table.values[i] = Seen(
                first: min(s.first, time), last: max(s.last, time), lowestTTL: min(s.lowestTTL, ttl),
                highestTTL: max(s.highestTTL, ttl))
        } else {
            table[identity] = Seen(first: time, last: time, lowestTTL: ttl, highestTTL: ttl)
        }
    }

    /// Node b's clock minus node a's (nanoseconds), from the packets both saw, and whether it
    /// is larger than the one-way delay (`readsAhead`); nil with fewer than `minimumSamples`
    /// each way.
    static func offset(_ a: [UInt64: Seen], _ b: [UInt64: Seen]) -> (offset: Int64, readsAhead: Bool)? {
        var down: [Int64] = [], up: [Int64] = []  // a → b: offset + delay; b → a: offset − delay
        let (small, large, swapped) = a.count <= b.count ? (a, b, false) : (b, a, true)
        for (identity, s) in small {
            guard let l = large[identity] else { continue }
            let (x, y) = swapped ? (l, s) : (s, l)  // x: a's, y: b's
            // TTL only falls: it arrived with no more than it left with, and fell somewhere
            // (a wire between nodes does not lower it; a node's routing does).
            if y.highestTTL <= x.lowestTTL && y.lowestTTL < x.highestTTL {
                down.append(y.first &- x.last)
            } else if x.highestTTL <= y.lowestTTL && x.lowestTTL < y.highestTTL {
                up.append(y.last &- x.first)
            }
        }
        guard down.count >= minimumSamples, up.count >= minimumSamples else { return nil }
        func median(_ v: [Int64]) -> Int64 { v.sorted()[v.count / 2] }
        let (m1, m2) = (median(down), median(up))
        return (m1 / 2 + m2 / 2, m1 <= 0 || m2 >= 0)
    }
}
