#if canImport(Glibc)
import Glibc
#endif
import CPrefetch

/// One reused buffer over a `ByteSource`: the readers parse records in place and
/// never copy a packet. `ensure(n)` guarantees `n` contiguous bytes at `start`,
/// compacting and refilling (and growing up to `maximumCapacity`) as needed.
struct InputStream {
    let source: ByteSource
    /// Frees the buffer when the last copy of the stream goes away.
    private let owner: BufferOwner
    private(set) var storage: UnsafeMutableRawBufferPointer
    private(set) var start = 0
    private(set) var end = 0
    /// Stream offset (decompressed) of the byte at `start`.
    private(set) var offset: Int64 = 0
    private(set) var atEnd = false
    /// Set when the source failed (I/O error, damaged compressed data).
    private(set) var failure: String?

    /// 1 MiB: large enough that a read(2) per refill is noise, small enough to stay in L2/L3.
    static let initialCapacity = 1 << 20
    /// A single record may not need more than this (see the readers' own limits).
    static let maximumCapacity = 64 << 20

    /// Chunks read (and decompressed) ahead on another thread, when one could be started.
    private let readAhead: ReadAhead?
    /// The read-ahead chunk `storage` currently is, to hand back when done with it.
    private var currentChunk: Int?

    init(source: ByteSource, readAhead useThread: Bool = true) {
        self.source = source
        storage = .allocate(byteCount: Self.initialCapacity, alignment: 64)
        owner = BufferOwner(storage)
        readAhead = useThread ? ReadAhead(source: source) : nil
    }

    var available: Int { end - start }

    /// The bytes at `start ..< start + count`; valid until the next `ensure` or `consume`.
    func bytes(_ count: Int, at relative: Int = 0) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: storage[(start + relative)..<(start + relative + count)])
    }

    /// Starts loading the next record's header and its first packet bytes while the caller
    /// works on this one: the first read of each record header was a miss (the read-ahead
    /// thread filled the chunk on the other core), 8% of the pass thread's samples on one
    /// instruction (measured, 2M packets; 3% after).
    @inline(__always)
    func prefetchNext() {
        prefetch(at: 0)
        prefetch(at: 64)
    }

    /// Starts loading the byte at `relative` from `start`, when it is in the buffer.
    @inline(__always)
    func prefetch(at relative: Int) {
        guard relative >= 0, relative < end - start else { return }
        loupe_prefetch(storage.baseAddress! + start + relative)
    }

    mutating func consume(_ n: Int) {
        start += n
        offset += Int64(n)
    }

    /// Makes `n` bytes available; false when the stream ends (or fails) first.
    @inline(__always)
    mutating func ensure(_ n: Int) -> Bool {
        end - start >= n ? true : refill(n)
    }

    /// The slow path of `ensure`: compact, grow if needed, read.
    @inline(never)
    private mutating func refill(_ n: Int) -> Bool {
        if atEnd || n > Self.maximumCapacity { return false }
        if let readAhead { return refill(n, from: readAhead) }
        if start > 0 {
            if end > start { memmove(storage.baseAddress!, storage.baseAddress! + start, end - start) }
            end -= start
            start = 0
        }
        if n > storage.count {
            var capacity = storage.count
            while capacity < n { capacity *= 2 }
            let grown = UnsafeMutableRawBufferPointer.allocate(
                byteCount: min(capacity, Self.maximumCapacity),
                alignment: 64)
            grown.baseAddress!.copyMemory(from: storage.baseAddress!, byteCount: end)
            storage.deallocate()
            storage = grown
            owner.storage = grown
        }
        while end < n {
            do {
                let got = try source.read(into: UnsafeMutableRawBufferPointer(rebasing: storage[end...]))
                if got == 0 { atEnd = true; return false }
                end += got
            } catch {
                failure = error.message
                atEnd = true
                return false
            }
        }
        return true
    }
}

extension InputStream {
    /// Refill from read-ahead chunks. The unread tail moves into the next chunk's headroom
    /// (no copy of the chunk itself); a record too big for that is assembled in the
    /// stream's own buffer.
    private mutating func refill(_ n: Int, from readAhead: ReadAhead) -> Bool {
        while end - start < n {
            guard let (index, count) = readAhead.next() else {
                failure = readAhead.failure
                atEnd = true
                return false
            }
            let chunk = readAhead.buffer(index)
            let leftover = end - start
            if leftover <= ReadAhead.headroom {
                let newStart = ReadAhead.headroom - leftover
                if leftover > 0 {
                    (chunk.baseAddress! + newStart).copyMemory(from: storage.baseAddress! + start, byteCount: leftover)
                }
                releaseChunk(readAhead)
                storage = chunk
                currentChunk = index
                start = newStart
                end = ReadAhead.headroom + count
            } else {
                // Assemble in the stream's own buffer: compact, grow, append the chunk.
                let own = owner.storage
                var target = own
                if leftover + count > own.count {
                    var capacity = own.count
                    while capacity < leftover + count { capacity *= 2 }
                    target = .allocate(byteCount: capacity, alignment: 64)
                }
                if leftover > 0 {
                    // May overlap when already assembling in the same buffer.
                    memmove(target.baseAddress!, storage.baseAddress! + start, leftover)
                }
                target.baseAddress!.advanced(by: leftover)
                    .copyMemory(from: chunk.baseAddress! + ReadAhead.headroom, byteCount: count)
                if target.baseAddress != own.baseAddress {
                    own.deallocate()
                    owner.storage = target
                }
                readAhead.release(index)
                releaseChunk(readAhead)
                storage = target
                start = 0
                end = leftover + count
            }
        }
        return true
    }

    private mutating func releaseChunk(_ readAhead: ReadAhead) {
        if let c = currentChunk { readAhead.release(c) }
        currentChunk = nil
    }
}

/// Owns an `InputStream`'s buffer. The stream keeps its own copy of the pointer, so the
/// hot path never touches this class.
private final class BufferOwner {
    var storage: UnsafeMutableRawBufferPointer
    init(_ storage: UnsafeMutableRawBufferPointer) { self.storage = storage }
    deinit { storage.deallocate() }
}
