/// Writes pcapng blocks into a byte array (draft-ietf-opsawg-pcapng). Used by the agent
/// to record and by tests to build captures; `bigEndian` exists so tests can cover both
/// byte orders.
public struct PcapngWriter {
    public private(set) var bytes: [UInt8] = []
    public let bigEndian: Bool

    public init(bigEndian: Bool = false) { self.bigEndian = bigEndian }

    /// The blocks written so far, handed over and forgotten (a recorder writes them out as
    /// it goes: every block is whole, so the file is valid after each hand-over).
    public mutating func take() -> [UInt8] {
        defer { bytes.removeAll(keepingCapacity: true) }
        return bytes
    }

    public enum Option {
        case comment(String)
        case string(UInt16, String)
        case u8(UInt16, UInt8)
        case u64(UInt16, UInt64)
        case raw(UInt16, [UInt8])
    }

    /// SHB with shb_hardware (2), shb_os (3), shb_userappl (4) as given.
    public mutating func sectionHeader(options: [Option] = [], major: UInt16 = 1) {
        var body: [UInt8] = []
        put32(&body, 0x1A2B_3C4D)
        put16(&body, major)
        put16(&body, 0)
        put64(&body, UInt64.max)  // section length unknown (-1)
        block(0x0A0D_0D0A, body, options)
    }

    /// IDB. Options: if_name (2), if_description (3), if_tsresol (9), if_fcslen (13), if_tsoffset (14).
    public mutating func interface(linkType: UInt16, snapLength: UInt32, options: [Option] = []) {
        var body: [UInt8] = []
        put16(&body, linkType)
        put16(&body, 0)
        put32(&body, snapLength)
        block(1, body, options)
    }

    public mutating func enhancedPacket(
        interface: UInt32, timestampUnits: UInt64, data: [UInt8],
        originalLength: Int? = nil, options: [Option] = []
    ) {
        var body: [UInt8] = []
        put32(&body, interface)
        put32(&body, UInt32(truncatingIfNeeded: timestampUnits >> 32))
        put32(&body, UInt32(truncatingIfNeeded: timestampUnits))
        put32(&body, UInt32(data.count))
        put32(&body, UInt32(originalLength ?? data.count))
        body += data
        pad(&body)
        block(6, body, options)
    }

    /// The agent's per-packet path: an EPB written straight from libpcap's buffer into the
    /// pending bytes, no intermediate arrays.
    public mutating func enhancedPacket(
        interface: UInt32, timestampUnits: UInt64, packet: UnsafeRawBufferPointer,
        originalLength: Int
    ) {
        let padded = (packet.count + 3) & ~3
        let total = UInt32(truncatingIfNeeded: 32 + padded)
        put32(&bytes, 6)
        put32(&bytes, total)
        put32(&bytes, interface)
        put32(&bytes, UInt32(truncatingIfNeeded: timestampUnits >> 32))
        put32(&bytes, UInt32(truncatingIfNeeded: timestampUnits))
        put32(&bytes, UInt32(truncatingIfNeeded: packet.count))
        put32(&bytes, UInt32(truncatingIfNeeded: originalLength))
        bytes.append(contentsOf: packet)
        bytes.append(contentsOf: repeatElement(0, count: padded - packet.count))
        put32(&bytes, total)
    }

    /// The size of the EPB `enhancedPacket(interface:timestampUnits:packet:originalLength:)` writes.
    public static func enhancedPacketSize(captured: Int) -> Int { 32 + ((captured + 3) & ~3) }

    public mutating func simplePacket(data: [UInt8], originalLength: Int? = nil) {
        var body: [UInt8] = []
        put32(&body, UInt32(originalLength ?? data.count))
        body += data
        pad(&body)
        block(3, body, [])
    }

    /// ISB with isb_ifrecv (4) and isb_ifdrop (5), and isb_starttime (2) when the counts cover
    /// a period (one file of a rotated capture) rather than the whole capture.
    public mutating func statistics(
        interface: UInt32, timestampUnits: UInt64, received: UInt64, dropped: UInt64,
        startUnits: UInt64? = nil
    ) {
        var body: [UInt8] = []
        put32(&body, interface)
        put32(&body, UInt32(truncatingIfNeeded: timestampUnits >> 32))
        put32(&body, UInt32(truncatingIfNeeded: timestampUnits))
        var options: [Option] = []
        if let s = startUnits {
            var b: [UInt8] = []
            put32(&b, UInt32(truncatingIfNeeded: s >> 32))
            put32(&b, UInt32(truncatingIfNeeded: s))
            options.append(.raw(2, b))
        }
        block(5, body, options + [.u64(4, received), .u64(5, dropped)])
    }

    /// Bytes appended as they are (blocks written by another writer, e.g. a file's header).
    public mutating func rawBytes(_ b: [UInt8]) { bytes += b }

    /// Pending bytes not yet taken.
    public var pendingCount: Int { bytes.count }

    /// Any block, body as given (padded), e.g. custom (0x00000BAD) or unknown types.
    public mutating func rawBlock(type: UInt32, body: [UInt8]) {
        var b = body
        pad(&b)
        block(type, b, [])
    }

    // MARK: - Encoding

    private mutating func block(_ type: UInt32, _ body: [UInt8], _ options: [Option]) {
        var all = body
        if !options.isEmpty {
            for option in options { encode(option, into: &all) }
            put32(&all, 0)  // opt_endofopt
        }
        let total = UInt32(12 + all.count)
        put32(&bytes, type)
        put32(&bytes, total)
        bytes += all
        put32(&bytes, total)
    }

    private func encode(_ option: Option, into out: inout [UInt8]) {
        let (code, value): (UInt16, [UInt8])
        switch option {
        case .comment(let s): (code, value) = (1, Array(s.utf8))
        case .string(let c, let s): (code, value) = (c, Array(s.utf8))
        case .u8(let c, let v): (code, value) = (c, [v])
        case .u64(let c, let v):
            var b: [UInt8] = []
            put64(&b, v)
            (code, value) = (c, b)
        case .raw(let c, let b): (code, value) = (c, b)
        }
        put16(&out, code)
        put16(&out, UInt16(value.count))
        out += value
        pad(&out)
    }

    private func pad(_ b: inout [UInt8]) { while b.count % 4 != 0 { b.append(0) } }
    private func put16(_ b: inout [UInt8], _ v: UInt16) {
        withUnsafeBytes(of: bigEndian ? v.bigEndian : v.littleEndian) { b += $0 }
    }
    private func put32(_ b: inout [UInt8], _ v: UInt32) {
        withUnsafeBytes(of: bigEndian ? v.bigEndian : v.littleEndian) { b += $0 }
    }
    private func put64(_ b: inout [UInt8], _ v: UInt64) {
        withUnsafeBytes(of: bigEndian ? v.bigEndian : v.littleEndian) { b += $0 }
    }
}
