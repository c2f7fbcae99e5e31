import Dissectors

/// The packets seen within the matching window, by `SightingKey.identity`: two generations
/// of an open-addressing table. A packet is entered in the current generation; a lookup
/// reads the current, then the previous one. Every `generationLength` the previous
/// generation is dropped (in O(1): its stamp no longer matches) and the current one becomes
/// the previous, so a packet is found for at least one and at most two generation lengths
/// after its latest sighting.
///
/// Bounds: a generation holds at most `maximumSlots / 2` packets (load 1/2). A generation
/// that fills ends early (`shortenedGenerations`): the window is then shorter than stated,
/// and copies further apart than it count as packets of their own. Probing stops after
/// `maximumProbes` slots; a packet not placed by then is not entered (`unplaced`).
struct SightingTable {
    /// One packet: its identity, when it was last seen and with which TTL, the observation
    /// points that saw it, and its endpoints as analysed (a NAT view seen later is joined to
    /// them).
    struct Slot {
        var identity: UInt64 = 0
        var lastSeen: Int64 = 0
        /// Bit n: point n saw the packet (points past 55 share bit 55); the top byte: the TTL
        /// of its latest sighting (72 bytes a slot, not 80).
        var pointsAndTTL: UInt64 = 0
        var points: UInt64 {
            get { pointsAndTTL & (1 << 56 - 1) }
            set { pointsAndTTL = pointsAndTTL & ~(1 << 56 - 1) | newValue & (1 << 56 - 1) }
        }
        var ttl: UInt8 {
            get { UInt8(truncatingIfNeeded: pointsAndTTL >> 56) }
            set { pointsAndTTL = pointsAndTTL & (1 << 56 - 1) | UInt64(newValue) << 56 }
        }
        var stamp: UInt32 = 0
        /// The held copy's ticket while the packet waits to be seen at its flow's point
        /// (`flowPoint`); 0 otherwise.
        var ticket: UInt32 = 0
        var sourcePort: UInt16 = 0
        var destinationPort: UInt16 = 0
        var flowPoint: UInt16 = 0
        /// The point of its latest sighting (in what was padding: still 72 bytes).
        var lastPoint: UInt16 = 0
        var source = IPAddress(high: 0, low: 0)
        var destination = IPAddress(high: 0, low: 0)
    }

    /// Slots per generation at most (72 bytes each: 4.5 MiB a generation, two generations).
    static let maximumSlots = 1 << 16
    static let initialSlots = 1 << 10
    static let maximumProbes = 32

    private var current: [Slot]
    private var previous: [Slot]
    private var currentStamp: UInt32 = 2
    private var count = 0
    private(set) var generationStart: Int64 = .min
    var generationLength: Int64
    private(set) var shortenedGenerations = 0
    private(set) var unplaced = 0

    init(generationLength: Int64) {
        self.generationLength = generationLength
        current = Array(repeating: Slot(), count: Self.initialSlots)
        previous = Array(repeating: Slot(), count: Self.initialSlots)
    }

    /// Where a packet stands: in the current generation (`slot`, to update in place), in
    /// the previous one (copied into the current on update), or not seen.
    enum Place { case current(Int), previous(Slot), absent }

    /// Ends the generation when it is due at `now` (nanoseconds).
    @inline(__always)
    mutating func advance(to now: Int64) {
        if generationStart == .min { generationStart = now }
        if now &- generationStart >= generationLength { rotate(now) }
    }

    @inline(__always)
    func find(_ identity: UInt64) -> Place {
        if let i = probe(current, stamp: currentStamp, identity) { return .current(i) }
        if let i = probe(previous, stamp: currentStamp &- 1, identity) { return .previous(previous[i]) }
        return .absent
    }

    @inline(__always)
    private func probe(_ slots: [Slot], stamp: UInt32, _ identity: UInt64) -> Int? {
        let mask = slots.count - 1
        var i = Int(truncatingIfNeeded: identity >> 7) & mask
        for _ in 0 ..< Self.maximumProbes {
            let s = slots[i]
            if s.stamp != stamp { return nil }
            if s.identity == identity { return i }
            i = (i + 1) & mask
        }
        return nil
    }

    func slot(_ i: Int) -> Slot { current[i] }
    mutating func update(_ i: Int, _ body: (inout Slot) -> Void) { body(&current[i]) }

    /// Enters `slot` in the current generation (at `now`, for early rotation).
    mutating func insert(_ slot: Slot, now: Int64) {
        if (count + 1) * 2 > current.count {
            if current.count < Self.maximumSlots {
                grow()
            } else {
                shortenedGenerations += 1
                rotate(now)
            }
        }
        var slot = slot
        slot.stamp = currentStamp
        let mask = current.count - 1
        var i = Int(truncatingIfNeeded: slot.identity >> 7) & mask
        for _ in 0 ..< Self.maximumProbes {
            if current[i].stamp != currentStamp {
                current[i] = slot
                count += 1
                return
            }
            if current[i].identity == slot.identity { current[i] = slot; return }
            i = (i + 1) & mask
        }
        unplaced += 1
    }

    private mutating func rotate(_ now: Int64) {
        swap(&current, &previous)
        currentStamp &+= 1
        if currentStamp == 0 { currentStamp = 2 }  // stamps 0 and 1 never mark a live slot
        if current.count < previous.count { current = Array(repeating: Slot(), count: previous.count) }
        count = 0
        generationStart = now
    }

    private mutating func grow() {
        let old = current
        current = Array(repeating: Slot(), count: old.count * 2)
        count = 0
        for s in old where s.stamp == currentStamp { insert(s, now: generationStart) }
    }
}
