import HeapModule

/// A capture file's records in timestamp order, within a bounded window. pcapng does not
/// promise time order, and dumpcap writing several interfaces into one file interleaves them
/// in the order its capture threads hand them over: on a node's veth, bridge and uplink,
/// records went back in time by up to 164 ms (fixtures/pcaps/sightings/points.pcapng). The
/// sightings stage and the analyses need one time order (a packet's first sighting is its
/// earliest), so records are held and handed out earliest first; ties keep file order.
///
/// Bounds: a record is held at most until one `window` later in capture time has been read,
/// and at most `maximumRecords` records and `maximumBytes` bytes are held; past either, the
/// earliest goes out early (`early`). That harms nothing while the file is in order; a record
/// that then arrives older than one already handed out cannot be put in its place (`late`,
/// said in a warning: it goes out of order). Records without a timestamp go out in file order,
/// after those held.
public struct TimeReorder {
    public static let window: Int64 = 1_000_000_000
    public static let maximumRecords = 16_384
    public static let maximumBytes = 4 << 20

    /// A held record, its bytes copied (the reader's buffer moves on).
    final class Held: Comparable {
        let time: Int64
        let sequence: Int
        let record: PacketRecord
        let bytes: UnsafeMutableRawBufferPointer

        init(_ record: PacketRecord, time: Int64, sequence: Int) {
            self.time = time
            self.sequence = sequence
            bytes = UnsafeMutableRawBufferPointer.allocate(byteCount: max(record.data.count, 1), alignment: 8)
            if let base = record.data.baseAddress { bytes.baseAddress!.copyMemory(from: base, byteCount: record.data.count) }
            var r = record
            r.data = UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(bytes)[0 ..< record.data.count])
            self.record = r
        }

        deinit { bytes.deallocate() }

        static func < (a: Held, b: Held) -> Bool { (a.time, a.sequence) < (b.time, b.sequence) }
        static func == (a: Held, b: Held) -> Bool { a.time == b.time && a.sequence == b.sequence }
    }

    private var heap = Heap<Held>()
    private var heldBytes = 0
    private var newest = Int64.min
    private var sequence = 0
    private var ended = false
    /// The record handed out last: its bytes stay valid until the next call.
    private var current: Held?
    /// Records handed out before their window had passed (a bound was reached).
    private(set) var early = 0
    /// Records that arrived older than one already handed out (out of order in the output).
    private(set) var late = 0
    /// The time of the record handed out last.
    private var lastOut = Int64.min

    /// The next record of `reader` in time order (nil at its end).
    mutating func next(from reader: inout CaptureReader) -> PacketRecord? {
        while true {
            if let first = heap.min {
                let full = heap.count >= Self.maximumRecords || heldBytes >= Self.maximumBytes
                if ended || full || newest &- first.time >= Self.window {
                    if full && !ended && newest &- first.time < Self.window { early += 1 }
                    return emit()
                }
            }
            guard !ended, let record = reader.next() else {
                ended = true
                if heap.isEmpty { current = nil; return nil }
                continue
            }
            guard let t = record.timestamp else {
                // No timestamp: after what is held (their order is kept as far as it can be).
                if heap.isEmpty { current = nil; return record }
                push(record, time: newest == .min ? 0 : newest)
                continue
            }
            let time = t.saturatingNanoseconds
            if time > newest { newest = time }
            push(record, time: time)
        }
    }

    /// Takes a record already read from the reader (the one that showed it needs ordering).
    mutating func hold(_ record: PacketRecord) {
        let time = record.timestamp?.saturatingNanoseconds ?? (newest == .min ? 0 : newest)
        if time > newest { newest = time }
        push(record, time: time)
    }

    private mutating func push(_ record: PacketRecord, time: Int64) {
        if time < lastOut { late += 1 }
        sequence += 1
        heap.insert(Held(record, time: time, sequence: sequence))
        heldBytes += record.data.count
    }

    private mutating func emit() -> PacketRecord {
        let held = heap.removeMin()
        heldBytes -= held.record.data.count
        lastOut = max(lastOut, held.time)
        current = held
        return held.record
    }
}
