import Foundation

/// The JSON writer's output: a growable run of bytes behind a plain pointer. An `Array`
/// append checks the buffer's uniqueness and capacity on each call; the writer appends a
/// few bytes at a time, some 400,000 times for a large report.
struct JSONByteBuffer {
    private(set) var base: UnsafeMutablePointer<UInt8>
    private(set) var count = 0
    private var capacity: Int

    init(capacity: Int) {
        self.capacity = max(capacity, 16)
        guard let p = malloc(self.capacity) else { fatalError("out of memory") }
        base = p.assumingMemoryBound(to: UInt8.self)
    }

    /// Frees the bytes; the buffer is not used after.
    func free() { Foundation.free(base) }

    /// The bytes' storage, shrunk to their count (in place), for `JSONText`; the buffer is
    /// not used after.
    func trimmed() -> UnsafeMutablePointer<UInt8> {
        guard let p = realloc(base, max(count, 1)) else { return base }
        return p.assumingMemoryBound(to: UInt8.self)
    }

    @inline(__always)
    private mutating func reserve(_ n: Int) {
        if count + n > capacity { grow(count + n) }
    }

    @inline(never)
    private mutating func grow(_ needed: Int) {
        var size = capacity
        while size < needed { size *= 2 }
        // realloc: the buffer, usually the newest block, grows where it stands (or by
        // remapping, once large) instead of leaving each smaller copy behind: allocating
        // anew and copying left 2 MB of freed steps per megabyte written in the heap, the
        // newest pages of `loupe report`'s peak memory.
        guard let bigger = realloc(base, size) else { fatalError("out of memory") }
        base = bigger.assumingMemoryBound(to: UInt8.self)
        capacity = size
    }

    @inline(__always)
    mutating func append(_ byte: UInt8) {
        reserve(1)
        base[count] = byte
        count += 1
    }

    @inline(__always)
    mutating func append(_ a: UInt8, _ b: UInt8) {
        reserve(2)
        base[count] = a
        base[count + 1] = b
        count += 2
    }

    mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let from = bytes.baseAddress, !bytes.isEmpty else { return }
        reserve(bytes.count)
        (base + count).update(from: from, count: bytes.count)
        count += bytes.count
    }

    mutating func append(_ text: StaticString) {
        append(UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    /// `n` copies of `byte`.
    mutating func append(repeating byte: UInt8, count n: Int) {
        guard n > 0 else { return }
        reserve(n)
        (base + count).initialize(repeating: byte, count: n)
        count += n
    }

    /// Bytes `range` of this buffer appended to `other`.
    func copy(_ range: Range<Int>, to other: inout JSONByteBuffer) {
        other.append(UnsafeBufferPointer(start: base + range.lowerBound, count: range.count))
    }

    mutating func truncate(to n: Int) { count = min(count, n) }
    mutating func removeAll() { count = 0 }

    var bytes: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: base, count: count) }
}

/// Bytes a JSON writer wrote, taken from it without a copy (`JSONByteWriter.takeOutput`),
/// freed with the last reference: a section written ahead of the report is held this way
/// until the report is written (a copy of each was the last megabytes of `loupe report`'s
/// peak memory on a busy node: measured, 4 MB of sections on 6M packets).
final class JSONText: @unchecked Sendable {
    private let base: UnsafeMutablePointer<UInt8>
    let count: Int

    /// Takes `buffer`'s bytes (the buffer is not used after), trimmed to their count.
    init(taking buffer: JSONByteBuffer) {
        count = buffer.count
        base = buffer.trimmed()
    }

    deinit { Foundation.free(base) }

    var bytes: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: base, count: count) }
}
