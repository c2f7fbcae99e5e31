import CPrefetch
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
    /// One packet (80 bytes): its identity, when it was last seen and with which TTL, the observation
    /// points that saw it, and its endpoints as analysed (a NAT view seen later is joined to
    /// them).
    struct Slot {
        var identity: UInt64 = 0
        var lastSeen: Int64 = 0
        /// Bit n: point n saw the packet (points past 39 share bit 39); bits 40-47: the TTL
        /// of its first sighting on the node of its latest (`runStart`); bits 48-55: its IP
        /// protocol; the top byte: the TTL of its latest sighting.
        var pointsAndTTL: UInt64 = 0
        var points: UInt64 {
            get { pointsAndTTL & (1 << 40 - 1) }
            set { pointsAndTTL = pointsAndTTL & ~(1 << 40 - 1) | newValue & (1 << 40 - 1) }
        }
        var runStartTTL: UInt8 {
            get { UInt8(truncatingIfNeeded: pointsAndTTL >> 40) }
            set { pointsAndTTL = pointsAndTTL & ~(0xFF << 40) | UInt64(newValue) << 40 }
        }
        var ipProtocol: UInt8 {
            get { UInt8(truncatingIfNeeded: pointsAndTTL >> 48) }
            set { pointsAndTTL = pointsAndTTL & ~(0xFF << 48) | UInt64(newValue) << 48 }
        }
        var ttl: UInt8 {
            get { UInt8(truncatingIfNeeded: pointsAndTTL >> 56) }
            set { pointsAndTTL = pointsAndTTL & (1 << 56 - 1) | UInt64(newValue) << 56 }
        }
        /// The bit of point `n` in `points`.
        @inline(__always)
        static func bit(_ n: Int) -> UInt64 { n < 39 ? 1 << UInt64(n) : 1 << 39 }
        /// When the packet was first seen on the node of its latest sighting (nanoseconds):
        /// with `lastSeen`, the span of its run of sightings on that node, for the clocks.
        var runStart: Int64 = 0
        var stamp: UInt32 = 0
        /// The held copy's ticket while the packet waits to be seen at its flow's point
        /// (`flowPoint`); 0 otherwise.
        var ticket: UInt32 = 0
        var sourcePort: UInt16 = 0
        var destinationPort: UInt16 = 0
        var flowPoint: UInt16 = 0
        /// The point of its latest sighting.
        var lastPoint: UInt16 = 0
        var source = IPAddress(high: 0, low: 0)
        var destination = IPAddress(high: 0, low: 0)
    }

    /// Slots per generation at most (80 bytes each: 5 MiB a generation, two generations).
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
    /// the previous one (at an index there; copied into the current on update, `forget`
    /// the old place then), or not seen.
    enum Place { case current(Int), previous(Int, Slot), absent }

    /// Ends the generation when it is due at `now` (nanoseconds); `expire` is handed each
    /// packet of the generation that ends.
    @inline(__always)
    mutating func advance<E: SightingExpiry>(to now: Int64, _ expire: inout E) {
        if generationStart == .min { generationStart = now }
        if now &- generationStart >= generationLength { rotate(now, &expire) }
    }

    @inline(__always)
    func find(_ identity: UInt64) -> Place {
        // Both generations' first slots are loaded at once: a new packet misses the current
        // one and reads the previous one; two cache misses in a row were most of this stage.
        previous.withUnsafeBufferPointer { p in
            loupe_prefetch(p.baseAddress! + (Int(truncatingIfNeeded: identity >> 7) & (p.count - 1)))
        }
        if let i = probe(current, stamp: currentStamp, identity) { return .current(i) }
        if let i = probe(previous, stamp: currentStamp &- 1, identity) { return .previous(i, previous[i]) }
        return .absent
    }

    /// A packet of the previous generation moved to the current one: not handed to `expire`
    /// when its old generation ends. (Its stamp is left alone: probing goes past it.)
    mutating func forget(previousIndex i: Int) { previous[i].identity = Self.moved }

    /// The identity of a slot whose packet moved on (a packet with this identity is not
    /// looked up at all: `SightingKey` never makes it, see there).
    static let moved: UInt64 = 0

    /// Every packet still in the table (both generations), for the end of the capture.
    func forEachLive(_ body: (Slot) -> Void) {
        for s in previous where s.stamp == currentStamp &- 1 && s.identity != Self.moved { body(s) }
        for s in current where s.stamp == currentStamp { body(s) }
    }

    @inline(__always)
    private func probe(_ slots: [Slot], stamp: UInt32, _ identity: UInt64) -> Int? {
        let mask = slots.count - 1
        var i = Int(truncatingIfNeeded: identity >> 7) & mask
        for _ in 0..<Self.maximumProbes {
            let s = slots[i]
            if s.stamp != stamp { return nil }
            if s.identity == identity { return i }
            i = (i + 1) & mask
        }
        return nil
    }

    func slot(_ i: Int) -> Slot { current[i] }
    mutating func update(_ i: Int, _ body: (inout Slot) -> Void) { body(&current[i]) }

    /// Enters `slot` in the current generation (at `now`, for early rotation; `expire` as in
    /// `advance`). A packet there with the same identity is replaced: handed to `expire` first.
    mutating func insert<E: SightingExpiry>(_ slot: Slot, now: Int64, _ expire: inout E) {
        if (count + 1) * 2 > current.count {
            if current.count < Self.maximumSlots {
                grow()
            } else {
                shortenedGenerations += 1
                rotate(now, &expire)
            }
        }
        var slot = slot
        slot.stamp = currentStamp
        let mask = current.count - 1
        var i = Int(truncatingIfNeeded: slot.identity >> 7) & mask
        for _ in 0..<Self.maximumProbes {
            if current[i].stamp != currentStamp {
                current[i] = slot
                count += 1
                return
            }
            if current[i].identity == slot.identity {
                expire.expire(current[i])
                current[i] = slot
                return
            }
            i = (i + 1) & mask
        }
        unplaced += 1
    }

    private mutating func rotate<E: SightingExpiry>(_ now: Int64, _ expire: inout E) {
        for s in previous where s.stamp == currentStamp &- 1 && s.identity != Self.moved { expire.expire(s) }
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
        var none = NoExpiry()
        for s in old where s.stamp == currentStamp { insert(s, now: generationStart, &none) }
    }
}
