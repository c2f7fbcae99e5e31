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

    init(source: ByteSource) {
        self.source = source
        storage = .allocate(byteCount: Self.initialCapacity, alignment: 64)
        owner = BufferOwner(storage)
    }

    var available: Int { end - start }

    /// The bytes at `start ..< start + count`; valid until the next `ensure` or `consume`.
    func bytes(_ count: Int, at relative: Int = 0) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: storage[(start + relative) ..< (start + relative + count)])
    }

    mutating func consume(_ n: Int) {
        start += n
        offset += Int64(n)
    }

    /// Makes `n` bytes available; false when the stream ends (or fails) first.
    mutating func ensure(_ n: Int) -> Bool {
        if end - start >= n { return true }
        if atEnd || n > Self.maximumCapacity { return false }
        if start > 0 {
            if end > start {
                storage.baseAddress!.copyMemory(from: storage.baseAddress! + start, byteCount: end - start)
            }
            end -= start
            start = 0
        }
        if n > storage.count {
            var capacity = storage.count
            while capacity < n { capacity *= 2 }
            let grown = UnsafeMutableRawBufferPointer.allocate(byteCount: min(capacity, Self.maximumCapacity),
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

/// Owns an `InputStream`'s buffer. The stream keeps its own copy of the pointer, so the
/// hot path never touches this class.
private final class BufferOwner {
    var storage: UnsafeMutableRawBufferPointer
    init(_ storage: UnsafeMutableRawBufferPointer) { self.storage = storage }
    deinit { storage.deallocate() }
}
