import CaptureFormats
import Dissectors

/// Packets first seen away from their flow's point, held (their bytes copied) until they are
/// seen there: that sighting is analysed and the held copy dropped. A packet not seen there
/// within `holdTime` never reached that point in the capture (lost between the points, or
/// the point was not capturing then): it is analysed as first seen (`released`).
///
/// Bounds: `maximumRecords` records and `maximumBytes` bytes held; past either, the oldest is
/// released early (`releasedEarly`, said in a warning: its flow's times may then mix points).
struct HeldSightings {
    /// Nanoseconds: longer than any one-way delay between two points of a node or of nodes
    /// read together (clock offsets included); shorter than `Sightings.window / 2`, the
    /// shortest time a packet stays in the sightings table.
    static let holdTime: Int64 = 200_000_000
    static let maximumRecords = 16_384
    static let maximumBytes = 4 << 20

    struct Held {
        var ticket: UInt32
        var releaseAt: Int64
        var time: Int64
        var input: Int
        var point: Int
        var frameNumber: Int
        var record: PacketRecord
        var bytes: [UInt8]
        var cancelled = false
    }

    private var queue: [Held] = []
    private var head = 0
    private var heldBytes = 0
    private var nextTicket: UInt32 = 1
    /// The ticket of `queue[head]`: tickets are consecutive, so a ticket finds its entry in
    /// O(1) (`cancel`).
    private var base: UInt32 = 1
    private(set) var released = 0
    private(set) var releasedEarly = 0

    var isEmpty: Bool { head == queue.count }

    /// Copies a record; returns its ticket (never 0).
    mutating func hold(_ record: PacketRecord, input: Int, point: Int, frameNumber: Int, time: Int64) -> UInt32 {
        if queue.count - head >= Self.maximumRecords || heldBytes >= Self.maximumBytes {
            releasedEarly += 1
            queue[head].releaseAt = .min  // due now
        }
        let ticket = nextTicket
        nextTicket &+= 1
        let bytes = [UInt8](record.data)
        heldBytes += bytes.count
        queue.append(
            Held(
                ticket: ticket, releaseAt: time &+ Self.holdTime, time: time, input: input, point: point,
                frameNumber: frameNumber, record: record, bytes: bytes))
        return ticket
    }

    /// The held packet was seen at its flow's point: its copy is dropped.
    mutating func cancel(_ ticket: UInt32) {
        let i = head + Int(ticket &- base)
        guard i >= head, i < queue.count, queue[i].ticket == ticket, !queue[i].cancelled else { return }
        queue[i].cancelled = true
        heldBytes -= queue[i].bytes.count
        queue[i].bytes = []
    }

    /// The next held packet due at `now` (all of them with `now` = .max), or nil.
    mutating func due(at now: Int64) -> Held? {
        while head < queue.count {
            if queue[head].cancelled { pop(); continue }
            guard queue[head].releaseAt <= now else { return nil }
            let held = queue[head]
            heldBytes -= held.bytes.count
            pop()
            released += 1
            return held
        }
        return nil
    }

    private mutating func pop() {
        head += 1
        base &+= 1
        if head == queue.count {
            queue.removeAll(keepingCapacity: true)
            head = 0
        } else if head >= 4096 && head * 2 >= queue.count {
            queue.removeFirst(head)
            head = 0
        }
    }
}
