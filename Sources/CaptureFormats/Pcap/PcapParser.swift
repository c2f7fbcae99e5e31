/// Classic libpcap files (tcpdump.org's pcap format, draft-ietf-opsawg-pcap).
///
///     0        4      6      8          12        16        20        24
///     | magic  | major| minor| thiszone | sigfigs | snaplen | linktype |
///     record: | ts_sec | ts_frac | incl_len | orig_len | data (incl_len) |
struct PcapParser {
    static let headerLength = 24
    static let recordHeaderLength = 16
    /// Hard ceiling on a record, whatever the header's snaplen says: Wireshark's
    /// WTAP_MAX_PACKET_SIZE_STANDARD. Larger claims are damage, not an allocation.
    static let maximumRecord: UInt32 = 262_144
    /// A snaplen above this (16 MiB) is itself nonsense; records are held to this bound.
    static let absurdRecord: UInt32 = 16 << 20

    let swapped: Bool
    let nanosecond: Bool
    /// 8 for Alexey Kuznetzov's "modified" format (magic a1b2cd34), whose record
    /// headers carry ifindex, protocol and pkt_type after the usual 16 bytes.
    let extraRecordHeader: Int
    let snapLength: UInt32
    let linkType: LinkType
    let fcsLength: Int?
    let version: (major: UInt16, minor: UInt16)
    private(set) var records = 0
    private(set) var fractionOverflows = 0
    /// Records longer than the header's snaplen but within the link type's maximum: read
    /// whole, as tshark does (old capture tools wrote such files), and counted.
    private(set) var oversizedRecords = 0

    enum Magic {
        static let micro: UInt32 = 0xa1b2_c3d4
        static let nano: UInt32 = 0xa1b2_3c4d
        static let modified: UInt32 = 0xa1b2_cd34
    }

    static func recognizes(_ magic: UInt32) -> Bool {
        [Magic.micro, Magic.nano, Magic.modified].contains { $0 == magic || $0.byteSwapped == magic }
    }

    /// Reads the file header. Throws damage when the file is cut inside it.
    init(_ input: inout InputStream) throws(CaptureDamage) {
        guard input.ensure(Self.headerLength) else {
            throw CaptureDamage(
                offset: 0,
                "pcap file header cut short (\(input.available) of 24 bytes)"
                    + (input.failure.map { ": \($0)" } ?? ""))
        }
        let raw = input.bytes(Self.headerLength)
        let magic = raw.loadUnaligned(as: UInt32.self)
        swapped = !(magic == Magic.micro || magic == Magic.nano || magic == Magic.modified)
        let h = ByteOrderReader(raw, swapped: swapped)
        let m = h.u32(0)
        nanosecond = m == Magic.nano
        extraRecordHeader = m == Magic.modified ? 8 : 0
        version = (h.u16(4), h.u16(6))
        snapLength = h.u32(16)
        // Bits 28-31 of the link type field: F (FCS length present) and the FCS length
        // in 16-bit words; the link type itself is the low 16 bits.
        let field = h.u32(20)
        linkType = LinkType(rawValue: field & 0xffff)
        fcsLength = field & 0x1000_0000 != 0 ? Int(field >> 29) * 2 : nil
        input.consume(Self.headerLength)
    }

    /// The largest `incl_len` the header's snaplen allows.
    var recordLimit: UInt32 {
        snapLength == 0 ? Self.maximumRecord : min(snapLength, Self.absurdRecord)
    }

    /// The largest `incl_len` read at all: the snaplen's limit or the link type's maximum
    /// (`LinkType.maximumPacket`, Wireshark's per-encapsulation bound), the larger.
    var acceptedLimit: UInt32 { max(recordLimit, linkType.maximumPacket) }

    @inline(__always)
    mutating func next(_ input: inout InputStream) throws(CaptureDamage) -> PacketRecord? {
        let headerLength = Self.recordHeaderLength + extraRecordHeader
        let recordOffset = input.offset
        guard input.ensure(headerLength) else {
            if input.available == 0 && input.failure == nil { return nil }
            throw cutShort(recordOffset, input)
        }
        let h = ByteOrderReader(input.bytes(headerLength), swapped: swapped)
        let seconds = h.u32(0), fraction = h.u32(4), included = h.u32(8), original = h.u32(12)
        if included > recordLimit {
            guard included <= acceptedLimit else {
                throw CaptureDamage(
                    offset: recordOffset,
                    "record \(records + 1) claims \(included) captured bytes, more than the "
                        + "snapshot length \(recordLimit) and the link type's maximum \(linkType.maximumPacket)")
            }
            oversizedRecords += 1
        }
        guard input.ensure(headerLength + Int(included)) else { throw cutShort(recordOffset, input) }
        records += 1
        let perSecond: UInt32 = nanosecond ? 1_000_000_000 : 1_000_000
        var secs = Int64(seconds), frac = fraction
        if frac >= perSecond {
            // Out-of-range fraction (writer bug or fuzzed file): carry it into the seconds
            // rather than print a fraction of 1.5 seconds, and count it.
            fractionOverflows += 1
            secs += Int64(frac / perSecond)
            frac %= perSecond
        }
        let record = PacketRecord(
            timestamp: Timestamp(seconds: secs, nanoseconds: nanosecond ? frac : frac * 1000),
            originalLength: Int(original), linkType: linkType, interface: 0, offset: recordOffset,
            data: input.bytes(Int(included), at: headerLength))
        input.consume(headerLength + Int(included))
        input.prefetchNext()
        return record
    }

    private func cutShort(_ offset: Int64, _ input: InputStream) -> CaptureDamage {
        CaptureDamage(
            offset: offset,
            "record \(records + 1) cut short at offset \(offset)"
                + (input.failure.map { " (\($0))" } ?? ""))
    }
}
