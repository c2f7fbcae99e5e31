/// A window on packet bytes that remembers where it sits in the frame.
///
/// Zero-copy: it points into the reader's buffer, so it must not outlive the packet
/// callback. Indices are always 0-based (never the parent's, unlike `ArraySlice`).
/// Every load is bounds-checked by a precondition: views validate lengths once in
/// `init(validating:)`, so a failing check is a Loupe bug, never a property of input.
/// A bare pointer and a count (not an `UnsafeRawBufferPointer`) so that slicing is two
/// additions: it happens a dozen times per packet.
public struct ByteSlice {
    @usableFromInline let start: UnsafeRawPointer?
    public let count: Int
    /// Offset of byte 0 from the start of the frame, for error messages.
    public let frameOffset: Int

    @inlinable
    public init(_ base: UnsafeRawBufferPointer, frameOffset: Int = 0) {
        start = base.baseAddress
        count = base.baseAddress == nil ? 0 : base.count
        self.frameOffset = frameOffset
    }

    @usableFromInline @inline(__always)
    init(start: UnsafeRawPointer?, count: Int, frameOffset: Int) {
        self.start = start
        self.count = count
        self.frameOffset = frameOffset
    }

    /// The bytes as a buffer (for copying out or hashing).
    public var base: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: start, count: count) }

    @inlinable @inline(__always) public func u8(at i: Int) -> UInt8 {
        precondition(i >= 0 && i < count)
        return start.unsafelyUnwrapped.load(fromByteOffset: i, as: UInt8.self)
    }

    @inlinable @inline(__always) public func u16(at i: Int) -> UInt16 {
        precondition(i >= 0 && i <= count - 2)
        return UInt16(bigEndian: start.unsafelyUnwrapped.loadUnaligned(fromByteOffset: i, as: UInt16.self))
    }

    @inlinable @inline(__always) public func u32(at i: Int) -> UInt32 {
        precondition(i >= 0 && i <= count - 4)
        return UInt32(bigEndian: start.unsafelyUnwrapped.loadUnaligned(fromByteOffset: i, as: UInt32.self))
    }

    @inlinable @inline(__always) public func u64(at i: Int) -> UInt64 {
        precondition(i >= 0 && i <= count - 8)
        return UInt64(bigEndian: start.unsafelyUnwrapped.loadUnaligned(fromByteOffset: i, as: UInt64.self))
    }

    /// The 8-byte words at offsets 0, 8, 12 and 20, in host order (for hashing: one bounds
    /// check and no byte swaps for the four). Needs 28 bytes.
    @inlinable @inline(__always) public func words28() -> (UInt64, UInt64, UInt64, UInt64) {
        precondition(count >= 28)
        let p = start.unsafelyUnwrapped
        return (
            p.loadUnaligned(fromByteOffset: 0, as: UInt64.self), p.loadUnaligned(fromByteOffset: 8, as: UInt64.self),
            p.loadUnaligned(fromByteOffset: 12, as: UInt64.self), p.loadUnaligned(fromByteOffset: 20, as: UInt64.self)
        )
    }

    /// Little-endian loads, for the few host-order headers (NULL, NFLOG TLVs).
    @inlinable @inline(__always) public func u16le(at i: Int) -> UInt16 {
        precondition(i >= 0 && i <= count - 2)
        return UInt16(littleEndian: start.unsafelyUnwrapped.loadUnaligned(fromByteOffset: i, as: UInt16.self))
    }

    @inlinable @inline(__always) public func u32le(at i: Int) -> UInt32 {
        precondition(i >= 0 && i <= count - 4)
        return UInt32(littleEndian: start.unsafelyUnwrapped.loadUnaligned(fromByteOffset: i, as: UInt32.self))
    }

    /// The bytes from `n` on (empty past the end).
    @inlinable @inline(__always) public func dropFirst(_ n: Int) -> ByteSlice {
        let k = Swift.min(Swift.max(n, 0), count)
        return ByteSlice(start: start.map { $0 + k }, count: count - k, frameOffset: frameOffset + k)
    }

    /// The first `n` bytes (all of them if fewer).
    @inlinable @inline(__always) public func prefix(_ n: Int) -> ByteSlice {
        ByteSlice(start: start, count: Swift.min(Swift.max(n, 0), count), frameOffset: frameOffset)
    }

    /// Throws `.truncated` unless at least `n` bytes are present.
    @inlinable @inline(__always) public func require(_ n: Int, _ layer: LayerID) throws(DecodeError) {
        guard count >= n else {
            throw DecodeError(.truncated, layer, at: frameOffset + count, value: n, limit: count)
        }
    }
}
