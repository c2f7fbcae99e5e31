import Dissectors

/// Live conversations, bidirectional, in an open-addressing index over a dense array.
///
/// Why not `Dictionary`: measured 1.4-1.5x slower on the standard workload
/// (shared/PERFORMANCE.md). Slots hold `index + 1` and 32 bits of the hash, so most probes
/// never touch the entry. Deletion shifts later slots back (no tombstones).
///
/// Bounds: at most `limits.maximumFlows` live flows; when full, idle flows are expired
/// first, then the least recently active of a sample is evicted (counted).
public struct FlowTable {
    public struct Limits: Sendable {
        /// Hard cap on live flows (memory: about 130 bytes each).
        public var maximumFlows = 500_000
        /// Idle time after which a flow is finished, by kind (nanoseconds). TCP is held an
        /// hour: a conversation idle for 5 minutes is still one tshark stream.
        public var tcpIdle: Int64 = 3600 * 1_000_000_000
        /// After FIN from both sides or a RST (late retransmissions still join it).
        public var tcpClosed: Int64 = 60 * 1_000_000_000
        /// UDP and everything else (Zeek's udp_inactivity_timeout).
        public var otherIdle: Int64 = 60 * 1_000_000_000
        /// How often (capture time) idle flows are swept out.
        public var sweepInterval: Int64 = 10 * 1_000_000_000
        public init() {}
    }

    public let limits: Limits
    public private(set) var flows: [Flow] = []
    private var slots: [UInt64]
    private var mask: Int
    private var free: [Int32] = []
    private var live = 0
    private let seed: UInt64
    private var nextSerial = 0
    private var lastSweep: Int64 = .min
    private var lastFullSweep: Int64 = .min
    static let fullTableSweepInterval: Int64 = 1_000_000_000
    private var sampleState: UInt64

    public private(set) var created = 0
    public private(set) var expired = 0
    public private(set) var evicted = 0
    public private(set) var peakLive = 0

    public init(limits: Limits = Limits(), seed: UInt64 = UInt64.random(in: .min ... .max)) {
        self.limits = limits
        self.seed = seed
        sampleState = seed | 1
        slots = Array(repeating: 0, count: 1024)
        mask = 1023
    }

    public var liveCount: Int { live }

    /// Finds or creates the flow of `frame`; returns its index in `flows` and whether the
    /// frame travels from the low endpoint. `finished` receives flows expired or evicted
    /// to make room (before the index is returned).
    @inline(__always)
    /// `time` is the packet's own timestamp; `clock` the capture clock that drives expiry.
    public mutating func lookup(_ key: FlowKey, time: Int64, clock: Int64,
                                finished: (Flow) -> Void) -> (index: Int, isNew: Bool) {
        if clock &- lastSweep >= limits.sweepInterval || lastSweep == .min {
            if lastSweep != .min { sweep(now: clock, finished: finished) }
            lastSweep = clock
        }
        let h = key.hash(seed: seed)
        let tag = h >> 32
        var slot = Int(truncatingIfNeeded: h) & mask
        while true {
            let s = slots[slot]
            if s == 0 { break }
            if s >> 32 == tag {
                let i = Int(s & 0xFFFF_FFFF) - 1
                if flows[i].key == key { return (i, false) }
            }
            slot = (slot + 1) & mask
        }
        if live >= limits.maximumFlows {
            // A full sweep costs the whole table: under a flood do it at most once per
            // `fullTableSweepInterval` of capture time, and evict in between.
            if clock &- lastFullSweep >= Self.fullTableSweepInterval || lastFullSweep == .min {
                lastFullSweep = clock
                sweep(now: clock, finished: finished)
            }
            if live >= limits.maximumFlows { evictOne(finished: finished) }
            return (insert(key, hash: h, time: time), true)
        }
        return (insert(key, hash: h, time: time, emptySlot: slot), true)
    }

    /// Finishes the flow at `index` and starts a new one with the same key (a new SYN on a
    /// closed 5-tuple: port reuse).
    public mutating func restart(_ index: Int, time: Int64, finished: (Flow) -> Void) -> (index: Int, isNew: Bool) {
        let key = flows[index].key
        finished(flows[index])
        remove(index)
        return (insert(key, hash: key.hash(seed: seed), time: time), true)
    }

    public subscript(i: Int) -> Flow {
        get { flows[i] }
        _modify { yield &flows[i] }
    }

    /// Ends every live flow (end of capture), in serial order.
    public mutating func drain(_ finished: (Flow) -> Void) {
        var all: [Int] = []
        all.reserveCapacity(live)
        for s in slots where s != 0 { all.append(Int(s & 0xFFFF_FFFF) - 1) }
        all.sort { flows[$0].serial < flows[$1].serial }
        for i in all { finished(flows[i]) }
        slots = Array(repeating: 0, count: slots.count)
        flows.removeAll()
        free.removeAll()
        live = 0
    }

    // MARK: - Insertion and removal

    private mutating func insert(_ key: FlowKey, hash h: UInt64, time: Int64, emptySlot: Int? = nil) -> Int {
        if (live + 1) * 2 > slots.count {
            grow()
            return insert(key, hash: h, time: time)
        }
        var slot = emptySlot ?? -1
        if slot < 0 {
            slot = Int(truncatingIfNeeded: h) & mask
            while slots[slot] != 0 { slot = (slot + 1) & mask }
        }
        let flow = Flow(key: key, serial: nextSerial, firstSeen: time, lastSeen: time, firstSecond: 0,
                        firstNanosecond: 0, clientIsLow: true, clientFromSYN: false)
        nextSerial += 1
        let index: Int
        if let f = free.popLast() {
            index = Int(f)
            flows[index] = flow
        } else {
            index = flows.count
            flows.append(flow)
        }
        slots[slot] = (h >> 32) << 32 | UInt64(index + 1)
        live += 1
        created += 1
        peakLive = max(peakLive, live)
        return index
    }

    private mutating func grow() {
        let old = slots
        slots = Array(repeating: 0, count: old.count * 2)
        mask = slots.count - 1
        for s in old where s != 0 {
            let i = Int(s & 0xFFFF_FFFF) - 1
            var slot = Int(truncatingIfNeeded: flows[i].key.hash(seed: seed)) & mask
            while slots[slot] != 0 { slot = (slot + 1) & mask }
            slots[slot] = s
        }
    }

    /// Removes the flow at `index` from the index (backward-shift deletion).
    private mutating func remove(_ index: Int) {
        let h = flows[index].key.hash(seed: seed)
        var slot = Int(truncatingIfNeeded: h) & mask
        while Int(slots[slot] & 0xFFFF_FFFF) - 1 != index { slot = (slot + 1) & mask }
        var hole = slot
        var next = (hole + 1) & mask
        while slots[next] != 0 {
            let i = Int(slots[next] & 0xFFFF_FFFF) - 1
            let home = Int(truncatingIfNeeded: flows[i].key.hash(seed: seed)) & mask
            // Move the entry back if its home is not in (hole, next] cyclically.
            let distanceToNext = (next - home) & mask
            let distanceToHole = (next - hole) & mask
            if distanceToNext >= distanceToHole {
                slots[hole] = slots[next]
                hole = next
            }
            next = (next + 1) & mask
        }
        slots[hole] = 0
        free.append(Int32(index))
        live -= 1
    }

    private func idleLimit(_ f: Flow) -> Int64 {
        if f.key.ipProtocol == IPProtocol.tcp { return f.isClosed ? limits.tcpClosed : limits.tcpIdle }
        return limits.otherIdle
    }

    /// Expires every flow idle past its limit at capture time `now`.
    private mutating func sweep(now: Int64, finished: (Flow) -> Void) {
        var done: [Int] = []
        for s in slots where s != 0 {
            let i = Int(s & 0xFFFF_FFFF) - 1
            if now &- flows[i].lastSeen > idleLimit(flows[i]) { done.append(i) }
        }
        done.sort { flows[$0].serial < flows[$1].serial }
        for i in done {
            finished(flows[i])
            remove(i)
            expired += 1
        }
    }

    /// Evicts the least recently active of 16 sampled live flows.
    private mutating func evictOne(finished: (Flow) -> Void) {
        var victim = -1
        var attempts = 0
        while attempts < 64 {
            attempts += 1
            sampleState ^= sampleState << 13
            sampleState ^= sampleState >> 7
            sampleState ^= sampleState << 17
            let s = slots[Int(truncatingIfNeeded: sampleState) & mask]
            guard s != 0 else { continue }
            let i = Int(s & 0xFFFF_FFFF) - 1
            if victim < 0 || flows[i].lastSeen < flows[victim].lastSeen { victim = i }
            if attempts >= 16 && victim >= 0 { break }
        }
        if victim < 0 { victim = Int(slots.first { $0 != 0 }! & 0xFFFF_FFFF) - 1 }
        finished(flows[victim])
        remove(victim)
        evicted += 1
    }
}
