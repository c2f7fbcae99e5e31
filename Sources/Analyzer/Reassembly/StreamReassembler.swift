import HeapModule

/// Puts one direction of a TCP connection back in order.
///
/// Policy (documented, consistent): the first copy of a byte wins (Linux and Zeek's
/// default), later copies are counted as overlaps; a hole is delivered as a gap when the
/// peer acknowledges past it (the capture missed data the receiver got), when buffering
/// hits a bound, or when the stream ends. Sequence numbers wrap: positions are kept as
/// 64-bit stream offsets, derived from the 32-bit distance to the next expected byte.
///
/// Segments past a hole wait in a min-heap by stream offset (then arrival, so the first copy
/// still wins): O(log n) to hold one and to deliver it, so a stream of n tiny out-of-order
/// segments costs O(n log n), never a scan of what is held. Bounds per direction:
/// `budget.perStreamLimit` bytes and `maximumHeldSegments` segments, each charged its
/// payload plus `segmentOverhead` (its allocation), so memory is bounded whatever the sizes.
public struct StreamReassembler {
    private struct Pending: Comparable {
        var offset: UInt64
        var arrival: UInt64
        var bytes: [UInt8]
        var time: Int64
        static func < (a: Self, b: Self) -> Bool { (a.offset, a.arrival) < (b.offset, b.arrival) }
        static func == (a: Self, b: Self) -> Bool { a.offset == b.offset && a.arrival == b.arrival }
    }

    /// Segments held past a hole at most, per direction.
    public static let maximumHeldSegments = 4096
    /// Bytes charged per held segment beyond its payload (its array's header and the heap's
    /// slot), so a flood of 1-byte segments meets the byte bound too.
    public static let segmentOverhead = 64

    private var started = false
    /// Sequence number of the next byte to deliver, and its stream offset.
    private var nextSequence: UInt32 = 0
    private var nextOffset: UInt64 = 0
    private var pending = Heap<Pending>()
    private var pendingBytes = 0
    private var arrivals: UInt64 = 0
    private var finished = false

    public private(set) var deliveredBytes: UInt64 = 0
    public private(set) var gaps = 0
    public private(set) var gapBytes: UInt64 = 0
    public private(set) var overlapBytes: UInt64 = 0

    public init() {}

    /// One segment of this direction. `syn` segments set the start (the ISN's successor).
    public mutating func segment(
        sequence: UInt32, syn: Bool, payload: UnsafeRawBufferPointer, time: Int64,
        budget: inout ReassemblyBudget, deliver: (ReassembledChunk) -> Void
    ) {
        guard !finished else { return }
        if !started {
            started = true
            nextSequence = syn ? sequence &+ 1 : sequence
        }
        guard payload.count > 0 else { return }
        let start = syn ? sequence &+ 1 : sequence
        let distance = Int64(Int32(bitPattern: start &- nextSequence))
        // A segment more than 2^31 behind is nonsense after wraparound; treat it as old.
        let offset = distance < 0 && UInt64(-distance) > nextOffset ? 0 : UInt64(Int64(nextOffset) + distance)
        let end = offset + UInt64(payload.count)
        if end <= nextOffset {
            overlapBytes += UInt64(payload.count)  // all already delivered: first copy won
            return
        }
        if offset <= nextOffset {
            let skip = Int(nextOffset - offset)
            overlapBytes += UInt64(skip)
            emit(UnsafeRawBufferPointer(rebasing: payload[skip...]), time: time, gap: pendingGap, deliver)
            drainPending(&budget, deliver)
            return
        }
        hold(offset: offset, payload, time: time, &budget, deliver)
    }

    /// The stream offset of sequence number `sequence` (where an ACK points), or nil before
    /// this direction's first segment.
    /// `segment`'s common case, with no closure: a segment that starts exactly at the next
    /// byte expected, nothing buffered. Returns its chunk, already counted as delivered
    /// (the caller delivers it), or nil, changing nothing, when `segment` must take it.
    public mutating func nextInOrder(
        sequence: UInt32, syn: Bool, payload: UnsafeRawBufferPointer,
        time: Int64
    ) -> ReassembledChunk? {
        guard started, !finished, !syn, payload.count > 0, pending.isEmpty, sequence == nextSequence else { return nil }
        let chunk = ReassembledChunk(bytes: payload, streamOffset: nextOffset, time: time, gapBefore: pendingGap)
        advance(payload.count)
        return chunk
    }

    public func offset(ofSequence sequence: UInt32) -> UInt64? {
        guard started else { return nil }
        let o = Int64(nextOffset) + Int64(Int32(bitPattern: sequence &- nextSequence))
        return o < 0 ? 0 : UInt64(o)
    }

    /// Nothing buffered past a hole: `finish` would deliver nothing.
    public var isSettled: Bool { pending.isEmpty }

    /// Whether `segment` would do anything with a segment of `payloadCount` bytes: not for
    /// an empty one once started (a pure ACK), nor after the end.
    public func takes(payloadCount: Int) -> Bool { !finished && (payloadCount > 0 || !started) }

    /// Whether `acknowledged(ack)` would do anything: only for an ACK past the next
    /// expected byte (most ACKs acknowledge exactly what was delivered).
    public func isBehind(_ ack: UInt32) -> Bool {
        started && !finished && Int32(bitPattern: ack &- nextSequence) > 0
    }

    /// The peer acknowledged up to `ack`: bytes before it that never appeared were lost by
    /// the capture (the receiver had them), so deliver past the hole now.
    public mutating func acknowledged(_ ack: UInt32, budget: inout ReassemblyBudget, deliver: (ReassembledChunk) -> Void) {
        guard started, !finished else { return }
        let distance = Int64(Int32(bitPattern: ack &- nextSequence))
        guard distance > 0 else { return }
        let ackOffset = nextOffset + UInt64(distance)
        // Skip to the earlier of the ACK and the first buffered segment.
        let target = pending.min.map { min($0.offset, ackOffset) } ?? ackOffset
        if target > nextOffset {
            skip(to: target)
            drainPending(&budget, deliver)
        }
    }

    /// The stream ended: whatever is buffered goes out, holes reported.
    public mutating func finish(budget: inout ReassemblyBudget, deliver: (ReassembledChunk) -> Void) {
        guard !finished else { return }
        while let first = pending.min {
            if first.offset > nextOffset { skip(to: first.offset) }
            drainPending(&budget, deliver)
        }
        finished = true
    }

    // MARK: - Internals

    private mutating func emit(
        _ bytes: UnsafeRawBufferPointer, time: Int64, gap: UInt64,
        _ deliver: (ReassembledChunk) -> Void
    ) {
        guard bytes.count > 0 else { return }
        deliver(ReassembledChunk(bytes: bytes, streamOffset: nextOffset, time: time, gapBefore: gap))
        advance(bytes.count)
    }

    /// `count` bytes were delivered: the next expected byte moves past them.
    private mutating func advance(_ count: Int) {
        nextOffset += UInt64(count)
        nextSequence = nextSequence &+ UInt32(truncatingIfNeeded: count)
        deliveredBytes += UInt64(count)
        pendingGap = 0
    }

    /// Bytes skipped and not yet reported with a chunk.
    private var pendingGap: UInt64 = 0

    private mutating func skip(to offset: UInt64) {
        guard offset > nextOffset else { return }
        let n = offset - nextOffset
        gaps += 1
        gapBytes += n
        pendingGap += n
        nextSequence = nextSequence &+ UInt32(truncatingIfNeeded: n)
        nextOffset = offset
    }

    /// Delivers buffered segments that have become contiguous (trimming overlaps).
    private mutating func drainPending(_ budget: inout ReassemblyBudget, _ deliver: (ReassembledChunk) -> Void) {
        while let first = pending.min, first.offset <= nextOffset {
            pending.removeMin()
            pendingBytes -= Self.charge(first.bytes.count)
            budget.give(Self.charge(first.bytes.count))
            let end = first.offset + UInt64(first.bytes.count)
            guard end > nextOffset else {
                overlapBytes += UInt64(first.bytes.count)
                continue
            }
            let skip = Int(nextOffset - first.offset)
            overlapBytes += UInt64(skip)
            let gap = pendingGap
            first.bytes.withUnsafeBytes { raw in
                emit(UnsafeRawBufferPointer(rebasing: raw[skip...]), time: first.time, gap: gap, deliver)
            }
        }
    }

    /// Buffers a segment that starts past the next expected byte, within the bounds.
    private mutating func hold(
        offset: UInt64, _ payload: UnsafeRawBufferPointer, time: Int64,
        _ budget: inout ReassemblyBudget, _ deliver: (ReassembledChunk) -> Void
    ) {
        // Over a bound: give up on the hole before the earliest buffered data.
        let charge = Self.charge(payload.count)
        while let first = pending.min,
            pendingBytes + charge > budget.perStreamLimit || budget.held + charge > budget.totalLimit
                || pending.count >= Self.maximumHeldSegments
        {
            budget.hit()
            let target = first.offset
            if target > nextOffset { skip(to: target) }
            drainPending(&budget, deliver)
        }
        if offset <= nextOffset {
            // The forced drain reached this segment: it is in order now.
            let skip = Int(nextOffset - offset)
            overlapBytes += UInt64(skip)
            if skip < payload.count {
                emit(UnsafeRawBufferPointer(rebasing: payload[skip...]), time: time, gap: pendingGap, deliver)
            }
            drainPending(&budget, deliver)
            return
        }
        if charge > budget.perStreamLimit || budget.held + charge > budget.totalLimit {
            // Even alone it does not fit: deliver it now, after a gap.
            budget.hit()
            skip(to: offset)
            let gap = pendingGap
            emit(payload, time: time, gap: gap, deliver)
            return
        }
        arrivals += 1
        pending.insert(Pending(offset: offset, arrival: arrivals, bytes: Array(payload), time: time))
        pendingBytes += charge
        budget.take(charge)
    }

    /// What a held segment of `count` payload bytes counts against the bounds.
    @inline(__always)
    private static func charge(_ count: Int) -> Int { count + segmentOverhead }
}
