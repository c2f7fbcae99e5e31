import Dissectors

/// Reassembles IPv4 and IPv6 fragments into datagrams (RFC 791, RFC 8200 section 4.5).
///
/// Fragments are rare, so this allocates per datagram; the common path never comes here.
/// Bounds (each counted when hit): `maximumPending` datagrams in progress, `maximumLength`
/// bytes per datagram, `timeout` of capture time per datagram (Linux's ipfrag_time).
/// Overlapping fragments: the first bytes received win (Linux's behaviour since 2018 is
/// to drop overlapping datagrams; Loupe keeps them and counts the overlap).
public struct IPDefragmenter {
    public static let maximumPending = 1024
    public static let maximumLength = 65_535 + 40
    public static let timeout: Int64 = 30 * 1_000_000_000

    struct Key: Hashable {
        var source: IPAddress, destination: IPAddress, identification: UInt32, proto: UInt8
    }

    struct Pending {
        var bytes: [UInt8] = []
        /// Received byte ranges, unmerged (datagrams have few fragments).
        var ranges: [Range<Int>] = []
        var totalLength: Int?
        var firstSeen: Int64
    }

    private var pending: [Key: Pending] = [:]
    public private(set) var reassembled = 0
    public private(set) var overlaps = 0
    public private(set) var expired = 0
    public private(set) var dropped = 0

    public init() {}

    /// Adds one fragment; returns the whole datagram's payload when this one completes it.
    public mutating func add(_ frame: DecodedFrame, time: Int64) -> [UInt8]? {
        guard let fragment = frame.fragment else { return nil }
        if pending.count >= Self.maximumPending / 2 { expire(now: time) }
        let key = Key(source: frame.source, destination: frame.destination, identification: fragment.identification,
                      proto: frame.ipProtocol)
        let data = frame.ipPayload
        let start = fragment.offset
        let end = start + min(data.count, frame.ipPayloadDeclaredLength)
        guard end <= Self.maximumLength, data.count >= end - start else {
            dropped += 1
            return nil
        }
        if pending[key] == nil {
            guard pending.count < Self.maximumPending else {
                dropped += 1
                return nil
            }
            pending[key] = Pending(firstSeen: time)
        }
        var entry = pending.removeValue(forKey: key)!
        if !fragment.more { entry.totalLength = end }
        if entry.bytes.count < end { entry.bytes.append(contentsOf: repeatElement(0, count: end - entry.bytes.count)) }
        var fresh = [start ..< end]
        for r in entry.ranges where fresh.contains(where: { $0.overlaps(r) }) {
            overlaps += 1
            fresh = fresh.flatMap { piece -> [Range<Int>] in
                guard piece.overlaps(r) else { return [piece] }
                var out: [Range<Int>] = []
                if piece.lowerBound < r.lowerBound { out.append(piece.lowerBound ..< r.lowerBound) }
                if piece.upperBound > r.upperBound { out.append(r.upperBound ..< piece.upperBound) }
                return out
            }
        }
        for piece in fresh where !piece.isEmpty {
            for i in piece { entry.bytes[i] = data.u8(at: i - start) }
            entry.ranges.append(piece)
        }
        if let total = entry.totalLength, covered(entry.ranges, total) {
            reassembled += 1
            return Array(entry.bytes.prefix(total))
        }
        pending[key] = entry
        return nil
    }

    private func covered(_ ranges: [Range<Int>], _ total: Int) -> Bool {
        var reach = 0
        for r in ranges.sorted(by: { $0.lowerBound < $1.lowerBound }) {
            if r.lowerBound > reach { return false }
            reach = max(reach, r.upperBound)
        }
        return reach >= total
    }

    private mutating func expire(now: Int64) {
        let before = pending.count
        pending = pending.filter { now &- $0.value.firstSeen <= Self.timeout }
        expired += before - pending.count
    }

    /// Datagrams still incomplete (at the end of the capture).
    public var incomplete: Int { pending.count }
}
