/// Walks the options of a pcapng block: `code u16 | length u16 | value, padded to 32 bits`,
/// ending at opt_endofopt or the end of the block.
struct PcapngOptions {
    static let endOfOptions: UInt16 = 0
    static let comment: UInt16 = 1

    let body: ByteOrderReader
    let start: Int

    /// Calls `visit(code, value)` for each option. Returns false when an option's length
    /// runs past the block (the caller warns; options seen before still count).
    func forEach(_ visit: (UInt16, UnsafeRawBufferPointer) -> Void) -> Bool {
        var at = start
        let end = body.bytes.count
        while at + 4 <= end {
            let code = body.u16(at), length = Int(body.u16(at + 2))
            if code == Self.endOfOptions { return true }
            guard at + 4 + length <= end else { return false }
            visit(code, UnsafeRawBufferPointer(rebasing: body.bytes[(at + 4)..<(at + 4 + length)]))
            at += 4 + ((length + 3) & ~3)
        }
        return true
    }

    /// Option text: UTF-8, with NUL terminators some writers add removed. Invalid UTF-8
    /// is repaired, never trusted.
    static func string(_ value: UnsafeRawBufferPointer) -> String {
        var bytes = Array(value)
        while bytes.last == 0 { bytes.removeLast() }
        return String(decoding: bytes, as: UTF8.self)
    }
}
