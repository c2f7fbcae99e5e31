/// pcapng files: blocks of `type u32 | total length u32 | body | total length u32`,
/// in sections that each fix their own byte order (draft-ietf-opsawg-pcapng).
///
/// Framing damage (a block length that is not a multiple of 4, too small, absurd, or
/// whose trailer disagrees; a packet block that does not fit itself or names a missing
/// interface) stops the reader: what came before counts. Damage inside the options of
/// a non-packet block only produces a warning.
struct PcapngParser {
    /// Largest block accepted: a packet of 16 MiB is already far past any real snaplen.
    static let maximumBlock = 16 << 20
    /// Decryption secrets kept in memory at most (they are for later TLS decryption).
    static let maximumSecretBytes = 16 << 20

    private(set) var swapped = false
    private(set) var sections: [CaptureSection] = []
    private(set) var interfaces: [CaptureInterface] = []
    private(set) var counts = PcapngBlockCounts()
    private(set) var secrets: [DecryptionSecret] = []
    private(set) var warnings = Warnings()
    private(set) var timestampOverflows = 0
    /// Global index of the current section's first interface.
    private var sectionBase = 0
    private var secretBytes = 0

    init(_ input: inout InputStream) throws(CaptureDamage) {
        // The first block must be an SHB; `next` handles it like any later one.
        guard input.ensure(12) else {
            throw CaptureDamage(offset: 0, "pcapng section header cut short" + (input.failure.map { ": \($0)" } ?? ""))
        }
    }

    var sectionInterfaceCount: Int { interfaces.count - sectionBase }

    mutating func next(_ input: inout InputStream) throws(CaptureDamage) -> PacketRecord? {
        while true {
            let blockOffset = input.offset
            guard input.ensure(8) else {
                if input.available == 0 && input.failure == nil { return nil }
                throw CaptureDamage(
                    offset: blockOffset,
                    "block header cut short at offset \(blockOffset)"
                        + (input.failure.map { " (\($0))" } ?? ""))
            }
            var type = input.bytes(4).loadUnaligned(as: UInt32.self)
            let isSectionHeader = type == PcapngBlockType.sectionHeader  // a palindrome in both orders
            if isSectionHeader {
                guard input.ensure(12) else { throw cutShort("section header", blockOffset, input) }
                let magic = input.bytes(4, at: 8).loadUnaligned(as: UInt32.self)
                if magic == PcapngBlockType.byteOrderMagic {
                    swapped = false
                } else if magic == PcapngBlockType.byteOrderMagic.byteSwapped {
                    swapped = true
                } else {
                    throw CaptureDamage(
                        offset: blockOffset + 8,
                        "section header has no byte-order magic (0x\(hex(magic)))")
                }
            } else if sections.isEmpty {
                throw CaptureDamage(offset: blockOffset, "pcapng file does not start with a section header")
            }
            let header = ByteOrderReader(input.bytes(8), swapped: swapped)
            type = header.u32(0)
            let length = Int(header.u32(4))
            guard length >= 12, length % 4 == 0, length <= Self.maximumBlock else {
                throw CaptureDamage(
                    offset: blockOffset + 4,
                    "block at offset \(blockOffset) (type 0x\(hex(type))) "
                        + "has an invalid total length \(length)")
            }
            guard input.ensure(length) else { throw cutShort("block", blockOffset, input) }
            let block = ByteOrderReader(input.bytes(length), swapped: swapped)
            guard block.u32(length - 4) == UInt32(length) else {
                throw CaptureDamage(
                    offset: blockOffset + Int64(length) - 4,
                    "block at offset \(blockOffset): trailing length \(block.u32(length - 4)) "
                        + "differs from \(length)")
            }
            let body = ByteOrderReader(input.bytes(length - 12, at: 8), swapped: swapped)
            var record: PacketRecord?
            switch type {
            case PcapngBlockType.sectionHeader:
                try readSectionHeader(body, at: blockOffset)
            case PcapngBlockType.interfaceDescription:
                try readInterface(body, at: blockOffset)
            case PcapngBlockType.enhancedPacket:
                record = try readEnhancedPacket(body, at: blockOffset)
            case PcapngBlockType.simplePacket:
                record = try readSimplePacket(body, at: blockOffset)
            case PcapngBlockType.obsoletePacket:
                record = try readObsoletePacket(body, at: blockOffset)
            case PcapngBlockType.interfaceStatistics:
                readStatistics(body, at: blockOffset)
            case PcapngBlockType.nameResolution:
                readNameResolution(body, at: blockOffset)
            case PcapngBlockType.decryptionSecrets:
                readSecrets(body, at: blockOffset)
            case PcapngBlockType.custom, PcapngBlockType.customNoCopy:
                counts.custom += 1
            default:
                counts.unknown += 1
            }
            input.consume(length)
            if let record {
                input.prefetchNext()
                // The next block's header sits just after this block's trailer, which was just
                // read, so its length is most likely in the cache: start loading the next
                // trailer too, which `next` reads first (a miss per block: measured, the
                // largest cost of reading pcapng over pcap).
                if input.available >= 8 {
                    let next = Int(ByteOrderReader(input.bytes(8), swapped: swapped).u32(4))
                    if next >= 12 { input.prefetch(at: next - 4) }
                }
                return record
            }
        }
    }

    // MARK: - Blocks

    /// SHB body: byte-order magic u32 | major u16 | minor u16 | section length i64 | options
    private mutating func readSectionHeader(_ body: ByteOrderReader, at offset: Int64) throws(CaptureDamage) {
        guard body.bytes.count >= 16 else { throw tooShort("section header", offset, body, 16) }
        let major = body.u16(4), minor = body.u16(6)
        guard major == 1 else {
            throw CaptureDamage(offset: offset + 12, "unsupported pcapng section version \(major).\(minor)")
        }
        var section = CaptureSection(
            bigEndian: swapped != (0x0102.bigEndian == 0x0102), majorVersion: major,
            minorVersion: minor)
        let ok = PcapngOptions(body: body, start: 16).forEach { code, value in
            switch code {
            case PcapngOptions.comment: section.comments.append(PcapngOptions.string(value))
            case 2: section.hardware = PcapngOptions.string(value)
            case 3: section.operatingSystem = PcapngOptions.string(value)
            case 4: section.application = PcapngOptions.string(value)
            default: break
            }
        }
        if !ok { warnings.add("section header at offset \(offset): malformed options") }
        counts.sectionHeaders += 1
        sections.append(section)
        sectionBase = interfaces.count
    }

    /// IDB body: link type u16 | reserved u16 | snaplen u32 | options
    private mutating func readInterface(_ body: ByteOrderReader, at offset: Int64) throws(CaptureDamage) {
        guard body.bytes.count >= 8 else { throw tooShort("interface description", offset, body, 8) }
        var iface = CaptureInterface(
            section: sections.count - 1, index: sectionInterfaceCount,
            linkType: LinkType(rawValue: UInt32(body.u16(0))), snapLength: body.u32(4))
        var badResolution: UInt8?
        let ok = PcapngOptions(body: body, start: 8).forEach { code, value in
            switch code {
            case PcapngOptions.comment: iface.comments.append(PcapngOptions.string(value))
            case 2: iface.name = PcapngOptions.string(value)
            case 3: iface.description = PcapngOptions.string(value)
            case 9 where value.count >= 1:
                if let units = Self.unitsPerSecond(value[0]) { iface.unitsPerSecond = units } else { badResolution = value[0] }
            case 13 where value.count >= 1: iface.fcsLength = Int(value[0])
            case 14 where value.count >= 8:
                let raw = value.loadUnaligned(as: UInt64.self)
                iface.offsetSeconds = Int64(bitPattern: swapped ? raw.byteSwapped : raw)
            default: break
            }
        }
        if !ok { warnings.add("interface description at offset \(offset): malformed options") }
        if let badResolution {
            warnings.add(
                "interface \(iface.index) at offset \(offset): unusable if_tsresol 0x\(hex(UInt32(badResolution))), "
                    + "microseconds assumed")
        }
        counts.interfaceDescriptions += 1
        interfaces.append(iface)
    }

    /// if_tsresol: high bit clear = 10^-n seconds, set = 2^-n seconds.
    static func unitsPerSecond(_ code: UInt8) -> UInt64? {
        let n = Int(code & 0x7f)
        if code & 0x80 != 0 { return n <= 63 ? UInt64(1) << UInt64(n) : nil }
        guard n <= 19 else { return nil }
        var v: UInt64 = 1
        for _ in 0..<n { v *= 10 }
        return v
    }

    /// EPB body: interface u32 | ts high u32 | ts low u32 | caplen u32 | origlen u32 | data | options
    private mutating func readEnhancedPacket(_ body: ByteOrderReader, at offset: Int64) throws(CaptureDamage) -> PacketRecord {
        guard body.bytes.count >= 20 else { throw tooShort("enhanced packet", offset, body, 20) }
        let ifaceIndex = try interface(Int(body.u32(0)), at: offset)
        let captured = Int(body.u32(12))
        guard captured <= body.bytes.count - 20 else {
            throw CaptureDamage(
                offset: offset + 20,
                "packet block at offset \(offset) claims \(captured) "
                    + "captured bytes, the block holds \(body.bytes.count - 20)")
        }
        counts.enhancedPackets += 1
        let units = UInt64(body.u32(4)) << 32 | UInt64(body.u32(8))
        return PacketRecord(
            timestamp: timestamp(units, ifaceIndex), originalLength: Int(body.u32(16)),
            linkType: interfaces[ifaceIndex].linkType, interface: ifaceIndex, offset: offset,
            data: UnsafeRawBufferPointer(rebasing: body.bytes[20..<20 + captured]))
    }

    /// SPB body: origlen u32 | data. Interface 0 of the section; no timestamp. The captured
    /// length is the smaller of the original length, the snaplen and what the block holds.
    private mutating func readSimplePacket(_ body: ByteOrderReader, at offset: Int64) throws(CaptureDamage) -> PacketRecord {
        guard body.bytes.count >= 4 else { throw tooShort("simple packet", offset, body, 4) }
        let ifaceIndex = try interface(0, at: offset)
        let original = Int(body.u32(0))
        var captured = min(original, body.bytes.count - 4)
        let snap = Int(interfaces[ifaceIndex].snapLength)
        if snap > 0 { captured = min(captured, snap) }
        counts.simplePackets += 1
        return PacketRecord(
            timestamp: nil, originalLength: original, linkType: interfaces[ifaceIndex].linkType,
            interface: ifaceIndex, offset: offset,
            data: UnsafeRawBufferPointer(rebasing: body.bytes[4..<4 + captured]))
    }

    /// OPB body: interface u16 | drops u16 | ts high u32 | ts low u32 | caplen u32 | len u32 | data
    private mutating func readObsoletePacket(_ body: ByteOrderReader, at offset: Int64) throws(CaptureDamage) -> PacketRecord {
        guard body.bytes.count >= 20 else { throw tooShort("packet", offset, body, 20) }
        let ifaceIndex = try interface(Int(body.u16(0)), at: offset)
        let captured = Int(body.u32(12))
        guard captured <= body.bytes.count - 20 else {
            throw CaptureDamage(
                offset: offset + 20,
                "packet block at offset \(offset) claims \(captured) "
                    + "captured bytes, the block holds \(body.bytes.count - 20)")
        }
        counts.obsoletePackets += 1
        let units = UInt64(body.u32(4)) << 32 | UInt64(body.u32(8))
        return PacketRecord(
            timestamp: timestamp(units, ifaceIndex), originalLength: Int(body.u32(16)),
            linkType: interfaces[ifaceIndex].linkType, interface: ifaceIndex, offset: offset,
            data: UnsafeRawBufferPointer(rebasing: body.bytes[20..<20 + captured]))
    }

    /// ISB body: interface u32 | ts high u32 | ts low u32 | options
    private mutating func readStatistics(_ body: ByteOrderReader, at offset: Int64) {
        counts.interfaceStatistics += 1
        guard body.bytes.count >= 12 else { return warnings.add("statistics block at offset \(offset) too short") }
        let local = Int(body.u32(0))
        guard local < sectionInterfaceCount else {
            return warnings.add(
                "statistics block at offset \(offset) names interface \(local), "
                    + "the section has \(sectionInterfaceCount)")
        }
        var stats = InterfaceStatistics()
        let swapped = swapped
        let ok = PcapngOptions(body: body, start: 12).forEach { code, value in
            guard value.count >= 8 else { return }
            let raw = value.loadUnaligned(as: UInt64.self)
            let v = swapped ? raw.byteSwapped : raw
            switch code {
            case 4: stats.received = v
            case 5: stats.interfaceDropped = v
            case 6: stats.filterAccepted = v
            case 7: stats.osDropped = v
            case 8: stats.delivered = v
            default: break
            }
        }
        if !ok { warnings.add("statistics block at offset \(offset): malformed options") }
        interfaces[sectionBase + local].statistics = stats
    }

    /// NRB body: records of `type u16 | length u16 | value, padded`, ending with type 0.
    private mutating func readNameResolution(_ body: ByteOrderReader, at offset: Int64) {
        counts.nameResolution += 1
        var at = 0
        while at + 4 <= body.bytes.count {
            let type = body.u16(at), length = Int(body.u16(at + 2))
            if type == 0 { return }
            guard at + 4 + length <= body.bytes.count else {
                return warnings.add("name resolution block at offset \(offset): record runs past the block")
            }
            counts.nameRecords += 1
            at += 4 + ((length + 3) & ~3)
        }
    }

    /// DSB body: secrets type u32 | secrets length u32 | secrets data, padded | options
    private mutating func readSecrets(_ body: ByteOrderReader, at offset: Int64) {
        counts.decryptionSecrets += 1
        guard body.bytes.count >= 8 else { return warnings.add("decryption secrets block at offset \(offset) too short") }
        let length = Int(body.u32(4))
        guard length <= body.bytes.count - 8 else {
            return warnings.add("decryption secrets block at offset \(offset) claims \(length) bytes")
        }
        guard secretBytes + length <= Self.maximumSecretBytes else {
            return warnings.add("decryption secrets past \(Self.maximumSecretBytes) bytes ignored")
        }
        secretBytes += length
        secrets.append(DecryptionSecret(type: body.u32(0), data: Array(body.bytes[8..<8 + length])))
    }

    // MARK: - Helpers

    private func interface(_ local: Int, at offset: Int64) throws(CaptureDamage) -> Int {
        guard local < sectionInterfaceCount else {
            throw CaptureDamage(
                offset: offset + 8,
                "packet block at offset \(offset) names interface \(local), "
                    + "the section has \(sectionInterfaceCount)")
        }
        return sectionBase + local
    }

    private mutating func timestamp(_ units: UInt64, _ ifaceIndex: Int) -> Timestamp? {
        let iface = interfaces[ifaceIndex]
        if let t = Timestamp.fromUnits(units, divisor: iface.unitsPerSecond, offsetSeconds: iface.offsetSeconds) {
            return t
        }
        timestampOverflows += 1
        return nil
    }

    private func tooShort(_ what: String, _ offset: Int64, _ body: ByteOrderReader, _ need: Int) -> CaptureDamage {
        CaptureDamage(
            offset: offset,
            "\(what) block at offset \(offset) has a \(body.bytes.count)-byte body, "
                + "needs at least \(need)")
    }

    private func cutShort(_ what: String, _ offset: Int64, _ input: InputStream) -> CaptureDamage {
        CaptureDamage(offset: offset, "\(what) at offset \(offset) cut short" + (input.failure.map { " (\($0))" } ?? ""))
    }
}

func hex(_ v: UInt32) -> String {
    let s = String(v, radix: 16)
    return String(repeating: "0", count: max(0, 8 - s.count)) + s
}

/// Warnings from a reader: the first `limit` distinct texts kept, the rest counted.
public struct Warnings: Hashable, Sendable {
    public static let limit = 100
    public private(set) var messages: [String] = []
    public private(set) var omitted = 0
    public init() {}
    public mutating func add(_ message: String) {
        if messages.count < Self.limit { messages.append(message) } else { omitted += 1 }
    }
}
