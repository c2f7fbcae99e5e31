/// Loads integers from a header whose byte order is known only at run time (pcap and
/// pcapng files may be written in either). Callers check lengths first; the
/// precondition turns a Loupe bug into a clean stop instead of an out-of-bounds read.
struct ByteOrderReader {
    let bytes: UnsafeRawBufferPointer
    let swapped: Bool

    init(_ bytes: UnsafeRawBufferPointer, swapped: Bool) {
        self.bytes = bytes
        self.swapped = swapped
    }

    @inline(__always) func u16(_ offset: Int) -> UInt16 {
        precondition(offset >= 0 && offset + 2 <= bytes.count)
        let v = bytes.loadUnaligned(fromByteOffset: offset, as: UInt16.self)
        return swapped ? v.byteSwapped : v
    }

    @inline(__always) func u32(_ offset: Int) -> UInt32 {
        precondition(offset >= 0 && offset + 4 <= bytes.count)
        let v = bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self)
        return swapped ? v.byteSwapped : v
    }

    @inline(__always) func u64(_ offset: Int) -> UInt64 {
        precondition(offset >= 0 && offset + 8 <= bytes.count)
        let v = bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
        return swapped ? v.byteSwapped : v
    }
}
