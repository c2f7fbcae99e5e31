import DequeModule
import Dissectors

/// Reassembles IPv4 and IPv6 fragments into datagrams (RFC 791, RFC 8200 section 4.5).
///
/// Fragments are rare, so this allocates per datagram; the common path never comes here.
/// Bounds (each counted when hit): `maximumPending` datagrams in progress, `maximumLength`
/// bytes per datagram (so at most 8,197 fragments of 8 bytes each), `timeout` of capture
/// time per datagram (Linux's ipfrag_time).
/// Overlapping fragments: the first bytes received win (Linux's behaviour since 2018 is
/// to drop overlapping datagrams; Loupe keeps them and counts each fragment that overlapped
/// bytes already received).
///
/// Time: received bytes are a bitmap per datagram (a bit per byte), so a fragment costs its
/// own length (a word per 64 bytes), never the datagram's other fragments: linear in the
/// bytes of the fragments whatever their order or size. Expiry pops a queue in arrival
/// order: amortized constant time per datagram. Memory: at most `maximumPending` datagrams
/// of `maximumLength` bytes and a bit per byte (74 MB at most), and a queue of
/// `4 * maximumPending` entries.
public struct IPDefragmenter {
    public static let maximumPending = MemoryBudget.ipDatagrams
    public static let maximumLength = 65_535 + 40
    public static let timeout: Int64 = 30 * 1_000_000_000

    struct Key: Hashable {
        var source: IPAddress, destination: IPAddress, identification: UInt32, proto: UInt8
    }

    struct Pending {
        var bytes: [UInt8] = []
        /// A bit per byte of `bytes`: received.
        var received: [UInt64] = []
        /// Bytes received (set bits).
        var receivedCount = 0
        var totalLength: Int?
        var firstSeen: Int64
        /// Told apart from a later datagram with the same key in the expiry queue.
        var serial: Int
    }

    private var pending: [Key: Pending] = [:]
    /// Datagrams in arrival order, for expiry; entries completed since are skipped.
    private var byAge = Deque<(time: Int64, key: Key, serial: Int)>()
    private var serial = 0
    public private(set) var reassembled = 0
    public private(set) var overlaps = 0
    public private(set) var expired = 0
    public private(set) var dropped = 0

    public init() {}

    /// Adds one fragment; returns the whole datagram's payload when this one completes it.
    public mutating func add(_ frame: DecodedFrame, time: Int64) -> [UInt8]? {
        guard let fragment = frame.fragment else { return nil }
        expire(now: time)
        let key = Key(
            source: frame.source, destination: frame.destination, identification: fragment.identification,
            proto: frame.ipProtocol)
        let data = frame.ipPayload
        let start = fragment.offset
        let end = start + min(data.count, frame.ipPayloadDeclaredLength)
        guard end <= Self.maximumLength, data.count >= end - start else {
            dropped += 1
            return nil
        }
        guard var entry = pending.removeValue(forKey: key) ?? newEntry(time: time, key: key) else {
            dropped += 1
            return nil
        }
        if !fragment.more { entry.totalLength = end }
        if entry.bytes.count < end {
            entry.bytes.append(contentsOf: repeatElement(0, count: end - entry.bytes.count))
            let words = (end + 63) / 64
            if entry.received.count < words {
                entry.received.append(contentsOf: repeatElement(0, count: words - entry.received.count))
            }
        }
        if Self.copyFresh(data, from: start, to: end, into: &entry) { overlaps += 1 }
        if let total = entry.totalLength, entry.receivedCount >= total, Self.covers(entry, total) {
            reassembled += 1
            return Array(entry.bytes.prefix(total))
        }
        pending[key] = entry
        return nil
    }

    private mutating func newEntry(time: Int64, key: Key) -> Pending? {
        guard pending.count < Self.maximumPending else { return nil }
        serial += 1
        compactQueue()
        byAge.append((time, key, serial))
        return Pending(firstSeen: time, serial: serial)
    }

    /// Copies the bytes of `start..<end` not yet received (first copy wins) and marks them;
    /// true when some were already there (an overlap).
    private static func copyFresh(_ data: ByteSlice, from start: Int, to end: Int, into entry: inout Pending) -> Bool {
        var overlapped = false
        var i = start
        while i < end {
            let word = i >> 6, bit = i & 63
            let span = min(64 - bit, end - i)
            let mask: UInt64 = span == 64 ? ~0 : ((1 << UInt64(span)) - 1) << UInt64(bit)
            let had = entry.received[word] & mask
            if had != 0 { overlapped = true }
            if had == mask {
                i += span
                continue
            }
            for j in i..<i + span where had & (1 << UInt64(j & 63)) == 0 {
                entry.bytes[j] = data.u8(at: j - start)
            }
            entry.received[word] |= mask
            entry.receivedCount += span - had.nonzeroBitCount
            i += span
        }
        return overlapped
    }

    /// Every byte below `total` received (the count can include bytes past a shorter
    /// last fragment's end, so the words are checked once the count is reached).
    private static func covers(_ entry: Pending, _ total: Int) -> Bool {
        let full = total >> 6
        for w in 0..<full where entry.received[w] != ~0 { return false }
        let rest = total & 63
        if rest == 0 { return true }
        let mask: UInt64 = (1 << UInt64(rest)) - 1
        return entry.received[full] & mask == mask
    }

    /// With the table half full, drops datagrams older than `timeout`, oldest first (the
    /// queue is in arrival order). Below that nothing expires: tshark reassembles whatever
    /// the time between fragments, and so does Loupe while there is room.
    private mutating func expire(now: Int64) {
        guard pending.count >= Self.maximumPending / 2 else { return }
        while let first = byAge.first {
            let live = isLive(first)
            if live && now &- first.time <= Self.timeout { break }
            byAge.removeFirst()
            if live {
                pending[first.key] = nil
                expired += 1
            }
        }
    }

    private func isLive(_ queued: (time: Int64, key: Key, serial: Int)) -> Bool {
        pending[queued.key].map { $0.serial == queued.serial } ?? false
    }

    /// Completed datagrams leave their queue entries behind: once the queue holds four
    /// times the table's bound, it is rebuilt from the live ones (at least three bounds'
    /// worth of datagrams since the last rebuild pay for it: constant time each).
    private mutating func compactQueue() {
        guard byAge.count > 4 * Self.maximumPending else { return }
        byAge = Deque(byAge.filter { isLive($0) })
    }

    /// Datagrams still incomplete (at the end of the capture).
    public var incomplete: Int { pending.count }
}
