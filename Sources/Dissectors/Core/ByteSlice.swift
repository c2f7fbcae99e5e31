/// A window on packet bytes that remembers where it sits in the frame.
///
/// Zero-copy: it points into the reader's buffer, so it must not outlive the packet
/// callback. Indices are always 0-based (never the parent's, unlike `ArraySlice`).
/// Every load is bounds-checked by a precondition: views validate lengths once in
/// `init(validating:)`, so a failing check is a Loupe bug, never a property of input.
public struct ByteSlice {
    public let base: UnsafeRawBufferPointer
    /// Offset of `base[0]` from the start of the frame, for error messages.
    public let frameOffset: Int

    public init(_ base: UnsafeRawBufferPointer, frameOffset: Int = 0) {
        self.base = base
        self.frameOffset = frameOffset
    }

    public var count: Int { base.count }

    @inline(__always) public func u8(at i: Int) -> UInt8 {
        precondition(i >= 0 && i < base.count)
        return base.load(fromByteOffset: i, as: UInt8.self)
    }

    @inline(__always) public func u16(at i: Int) -> UInt16 {
        precondition(i >= 0 && i + 2 <= base.count)
        return UInt16(bigEndian: base.loadUnaligned(fromByteOffset: i, as: UInt16.self))
    }

    @inline(__always) public func u32(at i: Int) -> UInt32 {
        precondition(i >= 0 && i + 4 <= base.count)
        return UInt32(bigEndian: base.loadUnaligned(fromByteOffset: i, as: UInt32.self))
    }

    @inline(__always) public func u64(at i: Int) -> UInt64 {
        precondition(i >= 0 && i + 8 <= base.count)
        return UInt64(bigEndian: base.loadUnaligned(fromByteOffset: i, as: UInt64.self))
    }

    /// Little-endian loads, for the few host-order headers (NULL, NFLOG TLVs).
    @inline(__always) public func u16le(at i: Int) -> UInt16 {
        precondition(i >= 0 && i + 2 <= base.count)
        return UInt16(littleEndian: base.loadUnaligned(fromByteOffset: i, as: UInt16.self))
    }

    @inline(__always) public func u32le(at i: Int) -> UInt32 {
        precondition(i >= 0 && i + 4 <= base.count)
        return UInt32(littleEndian: base.loadUnaligned(fromByteOffset: i, as: UInt32.self))
    }

    /// The bytes from `n` on (empty past the end).
    public func dropFirst(_ n: Int) -> ByteSlice {
        let k = min(max(n, 0), base.count)
        return ByteSlice(UnsafeRawBufferPointer(rebasing: base[k...]), frameOffset: frameOffset + k)
    }

    /// The first `n` bytes (all of them if fewer).
    public func prefix(_ n: Int) -> ByteSlice {
        ByteSlice(UnsafeRawBufferPointer(rebasing: base[..<min(max(n, 0), base.count)]), frameOffset: frameOffset)
    }

    /// Throws `.truncated` unless at least `n` bytes are present.
    @inline(__always) public func require(_ n: Int, _ layer: LayerID) throws(DecodeError) {
        guard base.count >= n else {
            throw DecodeError(.truncated, layer, at: frameOffset + base.count, value: n, limit: base.count)
        }
    }
}
