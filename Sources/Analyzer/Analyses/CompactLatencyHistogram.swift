import Reports

/// The per-key latency histogram (per server, client, name, pod, API client): the
/// buckets of an HdrHistogram at 2 significant digits in 64 ns units up to 60 s
/// (`Histogram(lowestDiscernibleValue: 100, highestTrackableValue: 60 s, .two)`), and its
/// percentiles to the value, but stored sparsely: the 24 half-buckets of 128 counts are
/// allocated as samples reach them. A key's samples sit in a few octaves, so a key costs
/// about 1-4 KB instead of a flat 12 KB (measured: the DNS and TLS breakdowns held 19 MB of
/// mostly empty buckets on 2M packets, and their scattered lines were most of the DNS
/// thread's cache misses).
///
/// Counts are 4 bits until one would pass 15, 8 until 255, 16 until 65,535, then 32: only
/// that half-bucket moves to the wider storage. A key's samples spread over a thousand
/// buckets, so most keys' counts stay in 4 bits (measured on the 6M-packet workload: the
/// DNS breakdowns' half-buckets were 10 MB at 16 bits for every count, 3.5 MB with 16 and
/// 32 bits where needed, 1.75 MB with 8 bits first; they were the largest part of `loupe
/// report`'s growth after the first seconds of capture).
struct CompactLatencyHistogram {
    /// Samples above this are recorded at it (as `LatencyHistogram` clamps at its limit).
    static let limit: UInt64 = 60_000_000_000
    /// HdrHistogram's layout for these parameters: 2^6 ns units, 256 sub-buckets
    /// (2 x 10^2 rounded up to a power of two), 23 buckets to cover `limit`.
    private static let unitMagnitude = 6
    private static let halfMagnitude = 7
    private static let half = 1 << halfMagnitude
    private static let subBucketMask = UInt64(2 * half - 1) << unitMagnitude
    private static let leadingZeroCountBase = 64 - unitMagnitude - (halfMagnitude + 1)
    static let chunks = 24

    /// Chunk (`index >> 7`) -> its storage in the top two bits (`tiny`, `small`, `narrow`,
    /// `wide`) and 1 + its place there in the low six (0: no sample there yet).
    private var position = InlineArray<24, UInt8>(repeating: 0)
    private static let tiny: UInt8 = 0, small: UInt8 = 1, narrow: UInt8 = 2, wide: UInt8 = 3
    /// The allocated chunks, `half` counts each, two to a byte (low nibble first), in the
    /// order they were first reached.
    private var nibbles: [UInt8] = []
    /// Chunks a count of which passed 15 (their old place stays unused).
    private var bytes: [UInt8] = []
    /// Chunks a count of which passed `UInt8.max`.
    private var shorts: [UInt16] = []
    /// Chunks a count of which passed `UInt16.max`.
    private var words: [UInt32] = []
    /// Samples per chunk: a percentile walk steps over the chunks its ranks are not in (the
    /// report's breakdowns walk thousands of these at the end of the pass, on its critical
    /// path). Wrapping only past 2^32 samples, when `values(at:)` does not use them.
    private var chunkTotals = InlineArray<24, UInt32>(repeating: 0)
    private(set) var count = 0
    private var exactMax: Int64 = 0
    /// The smallest non-zero and the largest value recorded (after clamping), as
    /// HdrHistogram keeps them: percentiles are clamped between them.
    private var minNonZero = UInt64.max
    private var maxRecorded: UInt64 = 0

    init() {}

    /// Chunks allocated (of `chunks`) at each width: a key costs 64 bytes for each tiny one,
    /// 128 for each small one, 256 for each narrow one and 512 for each wide one.
    var allocatedChunks: (tiny: Int, small: Int, narrow: Int, wide: Int) {
        (nibbles.count * 2 / Self.half, bytes.count / Self.half, shorts.count / Self.half, words.count / Self.half)
    }

    mutating func record(nanoseconds value: Int64) {
        guard value >= 0 else { return }  // time ran backwards: no sample
        let v = min(UInt64(value), Self.limit)
        add(Self.index(v), v, 1)
        count += 1
        exactMax = max(exactMax, value)
    }

    /// Adds another histogram's samples, bucket by bucket.
    mutating func add(_ other: CompactLatencyHistogram) {
        guard other.count > 0 else { return }
        for chunk in 0..<Self.chunks where other.position[chunk] != 0 {
            for offset in 0..<Self.half {
                let n = other.counted(chunk: chunk, offset)
                if n != 0 { add(chunk << Self.halfMagnitude + offset, nil, n) }
            }
        }
        count += other.count
        exactMax = max(exactMax, other.exactMax)
        minNonZero = min(minNonZero, other.minNonZero)
        maxRecorded = max(maxRecorded, other.maxRecorded)
    }

    /// `n` samples at counts index `index`; `value` (when one sample) updates min and max.
    @inline(__always)
    private mutating func add(_ index: Int, _ value: UInt64?, _ n: UInt32) {
        let chunk = index >> Self.halfMagnitude, offset = index & (Self.half - 1)
        var p = position[chunk]
        if p == 0 {
            nibbles.reserveCapacity(nibbles.count + Self.half / 2)  // exactly one more chunk
            nibbles.append(contentsOf: repeatElement(0, count: Self.half / 2))
            p = Self.tiny << 6 | UInt8(nibbles.count * 2 / Self.half)
            position[chunk] = p
        }
        if p >> 6 == Self.tiny {
            let at = Self.place(p) * (Self.half / 2) + offset >> 1, shift = UInt8(offset & 1) << 2
            let sum = UInt32(nibbles[at] >> shift & 0xF) + n
            if sum <= 0xF {
                nibbles[at] = nibbles[at] & ~(0xF << shift) | UInt8(sum) << shift
            } else {
                p = widen(chunk)
            }
        }
        if p >> 6 == Self.small && !Self.bump(&bytes, Self.place(p) * Self.half + offset, n) { p = widen(chunk) }
        if p >> 6 == Self.narrow && !Self.bump(&shorts, Self.place(p) * Self.half + offset, n) { p = widen(chunk) }
        if p >> 6 == Self.wide { words[Self.place(p) * Self.half + offset] &+= n }
        chunkTotals[chunk] &+= n
        if let value {
            if value > maxRecorded { maxRecorded = value }
            if value != 0 && value < minNonZero { minNonZero = value }
        }
    }

    /// Adds `n` to `storage[at]`; false (nothing changed) when the sum does not fit.
    @inline(__always)
    private static func bump<Count: FixedWidthInteger & UnsignedInteger>(
        _ storage: inout [Count], _ at: Int,
        _ n: UInt32
    ) -> Bool {
        let (sum, over) = storage[at].addingReportingOverflow(Count(truncatingIfNeeded: n))
        guard n <= UInt32(Count.max), !over else { return false }
        storage[at] = sum
        return true
    }

    /// A chunk's place in its storage, from its position.
    @inline(__always)
    private static func place(_ p: UInt8) -> Int { Int(p & 0x3F) - 1 }

    /// Moves a chunk to the next wider storage (tiny -> small -> narrow -> wide); returns its
    /// new position.
    @inline(never)
    private mutating func widen(_ chunk: Int) -> UInt8 {
        let p: UInt8
        switch position[chunk] >> 6 {
        case Self.tiny:
            bytes.reserveCapacity(bytes.count + Self.half)
            for offset in 0..<Self.half { bytes.append(UInt8(counted(chunk: chunk, offset))) }
            p = Self.small << 6 | UInt8(bytes.count / Self.half)
        case Self.small:
            shorts.reserveCapacity(shorts.count + Self.half)
            for offset in 0..<Self.half { shorts.append(UInt16(counted(chunk: chunk, offset))) }
            p = Self.narrow << 6 | UInt8(shorts.count / Self.half)
        default:
            words.reserveCapacity(words.count + Self.half)
            for offset in 0..<Self.half { words.append(counted(chunk: chunk, offset)) }
            p = Self.wide << 6 | UInt8(words.count / Self.half)
        }
        position[chunk] = p
        return p
    }

    /// The count at a chunk's offset (the chunk allocated).
    @inline(__always)
    private func counted(chunk: Int, _ offset: Int) -> UInt32 {
        let p = position[chunk]
        switch p >> 6 {
        case Self.tiny:
            return UInt32(nibbles[Self.place(p) * (Self.half / 2) + offset >> 1] >> (UInt8(offset & 1) << 2) & 0xF)
        case Self.small: return UInt32(bytes[Self.place(p) * Self.half + offset])
        case Self.narrow: return UInt32(shorts[Self.place(p) * Self.half + offset])
        default: return words[Self.place(p) * Self.half + offset]
        }
    }

    /// HdrHistogram's counts index of a value (`countsIndexForValue`).
    @inline(__always)
    private static func index(_ value: UInt64) -> Int {
        let bucket = leadingZeroCountBase - (value | subBucketMask).leadingZeroBitCount
        let sub = Int(truncatingIfNeeded: value >> UInt64(bucket + unitMagnitude))
        return (bucket + 1) << halfMagnitude + sub - half
    }

    /// The value HdrHistogram's iteration reports for a counts index: the highest value
    /// equivalent to the index's lowest.
    private static func reportedValue(_ index: Int) -> UInt64 {
        var bucket = index >> halfMagnitude - 1
        var sub = index & (half - 1) + half
        if bucket < 0 {
            sub -= half
            bucket = 0
        }
        let lowest = UInt64(sub) << UInt64(bucket + unitMagnitude)
        return lowest + (UInt64(1) << UInt64(bucket + unitMagnitude)) - 1
    }

    /// `{count, p50, p90, p95, p99, max}` in seconds, as `LatencyHistogram.percentiles`.
    var percentiles: Percentiles {
        PercentileWalk.object(count: count, exactMax: exactMax) { values(at: (50, 90, 95, 99)) }
    }

    /// Four percentiles by `Histogram.valueAtPercentile`'s rule, in one walk over the
    /// chunks in value order (see `LatencyHistogram.values(at:)`).
    func values(at p: (Double, Double, Double, Double)) -> (UInt64, UInt64, UInt64, UInt64) {
        // HdrHistogram's `min`: 0 when the lowest bucket (0-63 ns) has samples.
        let zeroBucket = position[0] != 0 && counted(chunk: 0, 0) != 0
        var walk = PercentileWalk(total: UInt64(count), levels: p, low: zeroBucket ? 0 : minNonZero, high: maxRecorded)
        let totals = count < Int(UInt32.max)
        for chunk in 0..<Self.chunks where position[chunk] != 0 {
            if totals && !walk.reaches(UInt64(chunkTotals[chunk])) {
                walk.skip(UInt64(chunkTotals[chunk]))
                continue
            }
            for offset in 0..<Self.half {
                let n = counted(chunk: chunk, offset)
                guard n != 0 else { continue }
                let value = Self.reportedValue(chunk << Self.halfMagnitude + offset)
                if !walk.take(value, count: UInt64(n)) { return walk.values }
            }
        }
        return walk.values
    }
}
