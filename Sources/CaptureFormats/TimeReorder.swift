import DequeModule
import HeapModule

/// A capture file's records in timestamp order, within a bounded window. pcapng does not
/// promise time order, and dumpcap writing several interfaces into one file interleaves them
/// in the order its capture threads hand them over: on a node's veth, bridge and uplink,
/// records went back in time by up to 164 ms (fixtures/pcaps/sightings/points.pcapng). The
/// sightings stage and the analyses need one time order (a packet's first sighting is its
/// earliest), so records are held and handed out earliest first; ties keep file order.
///
/// Held records are copied into one ring of bytes (`RecordRing`, no allocation per record).
/// Those that arrive in order (no earlier than the last one held in order) queue in a FIFO;
/// the others go to a heap; the next out is the earlier of the two heads. A file in order
/// costs a copy and a queue step per record.
///
/// Bounds: a record is held at most until one `window` later in capture time has been read,
/// and at most `maximumRecords` records and `maximumBytes` bytes are held; past either, the
/// earliest goes out early. That harms nothing while the file is in order; a record
/// that then arrives older than one already handed out cannot be put in its place (`late`,
/// said in a warning: it goes out of order). Records without a timestamp go out in file order,
/// after those held.
public struct TimeReorder {
    public static let window: Int64 = 1_000_000_000
    public static let maximumRecords = 16_384
    public static let maximumBytes = 4 << 20

    /// A held record: its data in the ring, the ring's ticket for it.
    struct Held: Comparable {
        var time: Int64
        var sequence: Int
        var ticket: Int
        var record: PacketRecord

        static func < (a: Held, b: Held) -> Bool { (a.time, a.sequence) < (b.time, b.sequence) }
        static func == (a: Held, b: Held) -> Bool { a.time == b.time && a.sequence == b.sequence }
    }

    private var ring = RecordRing(capacity: TimeReorder.maximumBytes)
    private var inOrder = Deque<Held>()
    private var outOfOrder = Heap<Held>()
    private var newest = Int64.min
    private var sequence = 0
    private var ended = false
    /// The ticket of the record handed out last: its bytes stay valid until the next call.
    private var handedOut: Int?
    /// A record read that did not fit in the ring: its bytes are the reader's, valid until the
    /// reader is advanced; held (or handed out) before the reader is read again.
    private var stalled: PacketRecord?
    /// Records that arrived older than one already handed out (out of order in the output).
    private(set) var late = 0
    /// The time of the record handed out last.
    private var lastOut = Int64.min

    public init() {}

    private var count: Int { inOrder.count + outOfOrder.count }

    /// The earliest held record, if any.
    private var earliest: Held? {
        switch (inOrder.first, outOfOrder.min) {
        case let (a?, b?): return a < b ? a : b
        case let (a?, nil): return a
        case let (nil, b?): return b
        case (nil, nil): return nil
        }
    }

    /// The next record of `reader` in time order (nil at its end).
    mutating func next(from reader: inout CaptureReader) -> PacketRecord? {
        if let t = handedOut {
            ring.free(t)
            handedOut = nil
        }
        while true {
            if let waiting = stalled {
                if hold(waiting, time: time(of: waiting)) {
                    stalled = nil
                } else if count == 0 {
                    stalled = nil  // larger than the ring: out as it is, nothing held before it
                    return waiting
                } else {
                    return emit()  // the ring is full: the earliest goes out to make room
                }
            }
            if let first = earliest {
                if ended || count >= Self.maximumRecords || newest &- first.time >= Self.window { return emit() }
            }
            guard !ended, let record = reader.next() else {
                ended = true
                if count == 0 { return nil }
                continue
            }
            guard record.timestamp != nil else {
                // No timestamp: after what is held (their order is kept as far as it can be).
                if count == 0 { return record }
                stalled = record
                continue
            }
            let t = time(of: record)
            if t > newest { newest = t }
            if !hold(record, time: t) { stalled = record }
        }
    }

    /// Takes a record already read from the reader (the one that showed it needs ordering).
    mutating func hold(_ record: PacketRecord) {
        let t = time(of: record)
        if t > newest { newest = t }
        if !hold(record, time: t) { stalled = record }
    }

    /// A record's time; one without a timestamp goes after what is held.
    private func time(of record: PacketRecord) -> Int64 {
        record.timestamp?.saturatingNanoseconds ?? (newest == .min ? 0 : newest)
    }

    /// Copies the record into the ring and queues it; false when the ring has no room.
    private mutating func hold(_ record: PacketRecord, time: Int64) -> Bool {
        guard let (ticket, copy) = ring.store(record.data) else { return false }
        if time < lastOut { late += 1 }
        sequence += 1
        var r = record
        r.data = copy
        let held = Held(time: time, sequence: sequence, ticket: ticket, record: r)
        if let last = inOrder.last, time < last.time {
            outOfOrder.insert(held)
        } else {
            inOrder.append(held)
        }
        return true
    }

    private mutating func emit() -> PacketRecord {
        let held: Held
        if let a = inOrder.first, outOfOrder.min.map({ a < $0 }) ?? true {
            held = inOrder.removeFirst()
        } else {
            held = outOfOrder.removeMin()
        }
        handedOut = held.ticket
        lastOut = max(lastOut, held.time)
        return held.record
    }
}
