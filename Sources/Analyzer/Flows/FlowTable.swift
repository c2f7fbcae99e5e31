import Dissectors

/// The flow table most of Loupe uses: `Flow` records.
typealias FlowTable = FlowTableOf<Flow>

/// Live conversations, bidirectional, in a dense array behind `TaggedSlots` (the tag is the
/// upper 32 bits of the key's seeded hash, kept in the record as `hashTag`), of `Flow`
/// records or, for a table that only counts packets and bytes, narrower ones
/// (`CountedFlow`).
///
/// Bounds: at most `limits.maximumFlows` live flows; when full, idle flows are expired
/// first, then the least recently active of a sample is evicted (counted). The sample is
/// drawn from a fixed sequence: the same input gives the same victims in every run.
struct FlowTableOf<Record: FlowRecord> {
    typealias Limits = FlowLimits

    public let limits: Limits
    public private(set) var flows: [Record] = []
    private var index = TaggedSlots()
    private var free: [Int32] = []
    private var live = 0
    private let seed: UInt64
    private var nextSerial = 0
    /// The capture clock of the last idle sweep (`.min`: none yet).
    public private(set) var lastSweep: Int64 = .min
    /// False for a table that sweeps when another does (`follow(sweptAt:)`), not on its own.
    var sweepsItself = true
    private var lastFullSweep: Int64 = .min
    /// Who is evicted when full: drawn from a fixed sequence, not from the hash seed, so
    /// the same input evicts the same flows in every run (the hash seed stays random: it
    /// keeps a crafted capture from colliding on purpose, and slots never decide a victim,
    /// which is drawn from the dense array).
    private var eviction = FlowEviction()
    /// Under a flood at the cap, a full sweep at most this often (capture time).
    static var fullTableSweepInterval: Int64 { 1_000_000_000 }

    public private(set) var created = 0
    public private(set) var expired = 0
    public private(set) var evicted = 0
    public private(set) var peakLive = 0

    public init(limits: Limits = Limits(), seed: UInt64 = UInt64.random(in: .min ... .max)) {
        self.limits = limits
        self.seed = seed
        // Address space for every flow the limit allows, reserved once: pages count in RSS
        // only when a flow is written to them, and the array never grows by copying (a
        // doubling held old and new storage at once: measured, +40 MB peak on 2M packets).
        flows.reserveCapacity(min(limits.maximumFlows, Self.reservedFlows))
    }

    /// Flows whose address space is reserved up front; past it the array grows as usual.
    static var reservedFlows: Int { 1 << 22 }

    public var liveCount: Int { live }

    @inline(__always) private func tag(_ key: FlowKey) -> UInt32 { UInt32(truncatingIfNeeded: key.hash(seed: seed) >> 32) }

    /// Starts loading the slot `key` hashes to (see `DNSWorker.consume`).
    @inline(__always)
    func prefetch(_ key: FlowKey) { index.prefetch(tag(key)) }

    /// Finds or creates the flow of `key`; returns its index in `flows`. `time` is the
    /// packet's timestamp, `clock` the capture clock that drives expiry; `finished`
    /// receives flows expired or evicted on the way (in no particular order). `serial`,
    /// when given, numbers a new flow (the pass gives its frame number, so flows of two
    /// tables still order by first packet); else flows are numbered in creation order.
    @inline(__always)
    /// `prefetch(flow, stage)`: a hint that `flow` is soon evicted (see `FlowEviction`).
    public mutating func lookup(
        _ key: FlowKey, time: Int64, clock: Int64, serial: Int? = nil,
        prefetch: (Record, Int) -> Void = { _, _ in },
        finished: (Record) -> Void
    ) -> (index: Int, isNew: Bool) {
        lookup(key, tag: tag(key), time: time, clock: clock, serial: serial, prefetch: prefetch, finished: finished)
    }

    @inline(__always)
    private mutating func lookup(
        _ key: FlowKey, tag t: UInt32, time: Int64, clock: Int64, serial: Int?,
        prefetch: (Record, Int) -> Void, finished: (Record) -> Void
    ) -> (index: Int, isNew: Bool) {
        if sweepsItself { sweepIfDue(clock: clock, finished: finished) }
        let found = index.find(t) { flows[$0].hasKey(key) }
        if let i = found.entry { return (i, false) }
        if live >= limits.maximumFlows {
            // A full sweep costs the whole table: under a flood do it at most once per
            // `fullTableSweepInterval` of capture time, and evict in between.
            if clock &- lastFullSweep >= Self.fullTableSweepInterval || lastFullSweep == .min {
                lastFullSweep = clock
                sweep(now: clock, finished: finished)
            }
            if live >= limits.maximumFlows { evictOne(finished: finished, prefetch: prefetch) }
            return (insert(key, tag: t, time: time, serial: serial), true)
        }
        return (insert(key, tag: t, time: time, serial: serial, emptySlot: found.emptySlot), true)
    }

    /// Expires idle flows when `sweepInterval` of capture time passed since the last sweep
    /// (every lookup does this; a packet that skips the table calls it itself).
    @inline(__always)
    public mutating func sweepIfDue(clock: Int64, finished: (Record) -> Void) {
        if clock &- lastSweep >= limits.sweepInterval || lastSweep == .min {
            if lastSweep != .min { sweep(now: clock, finished: finished) }
            lastSweep = clock
        }
    }

    /// Sweeps when another table did, at its clock (`clock`: its `lastSweep`), so both
    /// expire the same flows as one table would.
    @inline(__always)
    mutating func follow(sweptAt clock: Int64, finished: (Record) -> Void) {
        guard clock != lastSweep else { return }
        if lastSweep != .min { sweep(now: clock, finished: finished) }
        lastSweep = clock
    }

    /// Finishes the flow at `index` and starts a new one with the same key (a new SYN on a
    /// closed 5-tuple: port reuse).
    public mutating func restart(
        _ index: Int, time: Int64, serial: Int? = nil,
        finished: (Record) -> Void
    ) -> (index: Int, isNew: Bool) {
        let key = flows[index].key, t = flows[index].hashTag
        finished(flows[index])
        remove(index)
        return (insert(key, tag: t, time: time, serial: serial), true)
    }

    /// Mutates one flow in place (one uniqueness check, no copy of the record).
    @inline(__always)
    public mutating func update<R>(_ i: Int, _ body: (inout Record) -> R) -> R { body(&flows[i]) }

    public subscript(i: Int) -> Record {
        get { flows[i] }
        _modify { yield &flows[i] }
    }

    /// Ends every live flow at the end of capture: first, as `follow(sweptAt:)` would, those
    /// idle past their limit at `sweptAt` (another table's last sweep) as expired, but
    /// without taking each out of the index, which is dropped whole next (measured: the
    /// probes were most of the DNS thread's last milliseconds, which the pass waits for).
    mutating func drain(after sweptAt: Int64, _ finished: (Record) -> Void) {
        if sweptAt != lastSweep && lastSweep != .min { sweep(now: sweptAt, indexed: false, finished: finished) }
        drain(finished)
    }

    /// Ends every live flow (end of capture), in serial order.
    public mutating func drain(_ finished: (Record) -> Void) {
        // Serial and index packed in one word and sorted as integers (not copies of the
        // flows: the drain must not double the table's memory). Sorting indices by a closure
        // that read each flow's serial missed the cache on most comparisons (a third of the
        // drain's time in `perf` on 2M packets).
        // The index goes first: the order array can then take its memory.
        index.removeAll()
        var order: [UInt64] = []
        order.reserveCapacity(live)
        for i in flows.indices where flows[i].isLive {
            order.append(UInt64(UInt32(truncatingIfNeeded: flows[i].serial)) << 32 | UInt64(i))
        }
        order.sort()
        for packed in order { finished(flows[Int(truncatingIfNeeded: packed & 0xFFFF_FFFF)]) }
        flows.removeAll()
        free.removeAll()
        live = 0
    }

    // MARK: - Insertion and removal

    private mutating func insert(_ key: FlowKey, tag t: UInt32, time: Int64, serial: Int?, emptySlot: Int? = nil) -> Int {
        var flow = Record(key: key, serial: serial ?? nextSerial, time: time)
        flow.hashTag = t
        nextSerial += 1
        let i: Int
        if let f = free.popLast() {
            i = Int(f)
            flows[i] = flow
        } else {
            i = flows.count
            flows.append(flow)
        }
        index.insert(t, i, emptySlot: emptySlot)
        live += 1
        created += 1
        peakLive = max(peakLive, live)
        return i
    }

    /// Removes the flow at `i` (its number goes to the free list).
    private mutating func remove(_ i: Int) {
        index.remove(flows[i].hashTag, i)
        flows[i].isLive = false
        free.append(Int32(i))
        live -= 1
    }

    @inline(__always)
    private func idleLimit(_ f: Record) -> Int64 {
        if f.ipProtocol == IPProtocol.tcp { return f.isClosed ? limits.tcpClosed : limits.tcpIdle }
        if f.ipProtocol == IPProtocol.udp,
            f.lowPort == 53 || f.highPort == 53 || f.lowPort == 5353
                || f.highPort == 5353
        {
            return limits.dnsIdle
        }
        return limits.otherIdle
    }

    /// Expires every flow idle past its limit at capture time `now`, walking the dense array.
    /// `indexed`: false when the index is about to be dropped whole (the flows only leave
    /// the dense array).
    private mutating func sweep(now: Int64, indexed: Bool = true, finished: (Record) -> Void) {
        for i in flows.indices where flows[i].isLive && now &- flows[i].lastSeen > idleLimit(flows[i]) {
            finished(flows[i])
            if indexed {
                remove(i)
            } else {
                flows[i].isLive = false
                live -= 1
            }
            expired += 1
        }
    }

    /// Evicts the victim `eviction` chooses (see `FlowEviction`), then prepares the next
    /// ones; `prefetch` is the owner's hint for a flow that is to be evicted soon.
    private mutating func evictOne(finished: (Record) -> Void, prefetch: (Record, Int) -> Void) {
        if let victim = flows.withUnsafeBufferPointer({ eviction.victim(in: $0) }) {
            finished(flows[victim])
            remove(victim)
            evicted += 1
        }
        let index = self.index
        flows.withUnsafeBufferPointer { flows in
            eviction.advance(in: flows) { flow, stage in
                if stage == 0 { index.prefetch(flow.hashTag) }
                prefetch(flow, stage)
            }
        }
    }
}

/// A flow table's bounds and hold times (`FlowTableOf.Limits`).
public struct FlowLimits: Sendable {
    /// Hard cap on live flows, in each of the report's two tables (the pass's, and DNS over
    /// UDP's own): about 460 bytes a TCP connection in a report with its analyses (measured,
    /// `scripts/hostile`), so the default keeps both full tables within `MemoryBudget`.
    public var maximumFlows = MemoryBudget.maximumFlows
    /// Idle time after which a flow is finished, by kind (nanoseconds). TCP is held an
    /// hour: a conversation idle for 5 minutes is still one tshark stream.
    public var tcpIdle: Int64 = 3600 * 1_000_000_000
    /// After FIN from both sides or a RST (late retransmissions still join it).
    public var tcpClosed: Int64 = 60 * 1_000_000_000
    /// A closed TCP connection idle this long has its analyses settled (the TLS session
    /// folded, empty lists released) at the next sweep, while its flow is still held
    /// for `tcpClosed` (see `FlowSinks.settle`).
    public var tcpSettle: Int64 = 2 * 1_000_000_000
    /// UDP and everything else (Zeek's udp_inactivity_timeout).
    public var otherIdle: Int64 = 60 * 1_000_000_000
    /// DNS over UDP (port 53 or 5353): Zeek's `dns_session_timeout`, after which its DNS
    /// analyzer removes the connection. A resolver takes a fresh port per lookup, so on a
    /// busy node these flows are most of the table: held the generic 60 s they were
    /// three quarters of `loupe summary`'s memory (measured).
    public var dnsIdle: Int64 = 10 * 1_000_000_000
    /// How often (capture time) idle flows are swept out.
    public var sweepInterval: Int64 = 10 * 1_000_000_000
    public init() {}
}
