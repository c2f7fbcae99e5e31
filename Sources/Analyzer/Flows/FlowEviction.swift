import CPrefetch

/// Chooses the flows a full table evicts: the least recently active of `sampleSize` live
/// flows drawn from a fixed sequence, so the same input evicts the same flows in every run.
///
/// Why a pipeline: under a flood that evicts on every packet, the table and the analyses'
/// per-flow state are far larger than the caches, and reading them cold at each eviction
/// was most of the flood's time (the sampled records, the victim's analysis state, its
/// index slot). So each eviction prepares the next two: it draws the sample of the
/// eviction after next and prefetches those records; it chooses the next-but-one victim
/// from the sample drawn before (already loaded) and lets the owner prefetch that flow's
/// state (stage 0); it lets the owner follow pointers in the next victim's state, loaded
/// since (stage 1). A chosen victim is evicted only if it is still the same live flow and
/// nothing arrived on it since it was chosen; otherwise a fresh sample decides at once.
/// Bounds: `sampleSize` records per eviction, at most `maximumDraws` when none is live.
struct FlowEviction {
    static var sampleSize: Int { 8 }
    static var maximumDraws: Int { 256 }
    /// The generator's fixed start (see `FlowTableOf`: not the hash seed).
    static var seed: UInt64 { 0x9E37_79B9_7F4A_7C15 }

    /// A victim chosen ahead: where it was, which flow it was, its last activity then.
    private struct Candidate {
        var index: Int
        var serial: Int
        var lastSeen: Int64
    }

    private var state: UInt64 = Self.seed
    /// The victims of the next two evictions, in order.
    private var next: Candidate?
    private var afterNext: Candidate?
    /// The sample the victim after `afterNext` is chosen from (indices; drawn and prefetched).
    private var sample: [Int] = []

    /// One draw: an index into a dense array of `count` records.
    private mutating func draw(_ count: Int) -> Int {
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        return Int(truncatingIfNeeded: state % UInt64(count))
    }

    /// The least recently active live record among `indices`, or nil.
    private static func oldest<R: FlowRecord>(_ indices: [Int], in flows: UnsafeBufferPointer<R>) -> Int? {
        var best: Int?
        for i in indices where i < flows.count && flows[i].isLive {
            if best == nil || flows[i].lastSeen < flows[best!].lastSeen { best = i }
        }
        return best
    }

    private static func candidate<R: FlowRecord>(_ i: Int?, in flows: UnsafeBufferPointer<R>) -> Candidate? {
        i.map { Candidate(index: $0, serial: flows[$0].serial, lastSeen: flows[$0].lastSeen) }
    }

    private static func isValid<R: FlowRecord>(_ c: Candidate, in flows: UnsafeBufferPointer<R>) -> Bool {
        c.index < flows.count && flows[c.index].isLive && flows[c.index].serial == c.serial
            && flows[c.index].lastSeen == c.lastSeen
    }

    /// The index of this eviction's victim in `flows` (nil: no live flow). Call `advance`
    /// once the victim is out. (`flows`: the table's dense array, borrowed for the call.)
    mutating func victim<R: FlowRecord>(in flows: UnsafeBufferPointer<R>) -> Int? {
        if let c = next, Self.isValid(c, in: flows) { return c.index }
        var best: Int?
        var draws = 0
        while draws < Self.maximumDraws && (best == nil || draws < Self.sampleSize) {
            draws += 1
            let i = draw(flows.count)
            guard flows[i].isLive else { continue }
            if best == nil || flows[i].lastSeen < flows[best!].lastSeen { best = i }
        }
        return best ?? flows.firstIndex(where: \.isLive)
    }

    /// Prepares the next evictions (see the type's comment). `prefetch(flow, stage)` is the
    /// owner's hint: stage 0 for a victim two evictions ahead, 1 for the next one.
    mutating func advance<R: FlowRecord>(in flows: UnsafeBufferPointer<R>, prefetch: (R, Int) -> Void) {
        next = afterNext
        if let c = next, Self.isValid(c, in: flows) { prefetch(flows[c.index], 1) }
        afterNext = Self.candidate(Self.oldest(sample, in: flows), in: flows)
        if let c = afterNext { prefetch(flows[c.index], 0) }
        guard !flows.isEmpty else { return }
        sample.removeAll(keepingCapacity: true)
        for _ in 0..<Self.sampleSize { sample.append(draw(flows.count)) }
        let raw = UnsafeRawPointer(flows.baseAddress!), stride = MemoryLayout<R>.stride
        for i in sample {
            loupe_prefetch(raw + i * stride)
            loupe_prefetch(raw + i * stride + stride - 1)
        }
    }
}
