/// The container format of a capture file.
public enum CaptureFormat: String, Sendable, Codable {
    case pcap, pcapng
}

/// Reads one capture file, whatever its format and compression, one packet at a time.
///
/// Opening fails (`CaptureOpenError`, exit status 2) when the file cannot be opened or
/// is not a capture. Damage found later ends reading: `next()` returns nil and `damage`
/// says where; every packet returned before it stands.
public struct CaptureReader {
    public let path: String
    public let format: CaptureFormat
    public var compression: Compression { input.source.compression }
    public private(set) var damage: CaptureDamage?
    /// Packets returned so far.
    public private(set) var packets = 0

    private var input: InputStream
    private var pcap: PcapParser?
    private var pcapng: PcapngParser?

    /// `readAhead`: read and decompress on a second thread (the default); false reads on
    /// the caller's thread. Both give the same packets; tests run both.
    public init(path: String, readAhead: Bool = true) throws(CaptureOpenError) {
        self.path = path
        input = InputStream(source: try ByteSource(path: path), readAhead: readAhead)
        guard input.ensure(4) else {
            if let failure = input.failure { throw CaptureOpenError(path: path, failure) }
            throw CaptureOpenError(path: path, input.available == 0 ? "file is empty" : "file too short to be a capture")
        }
        let magic = input.bytes(4).loadUnaligned(as: UInt32.self)
        if PcapParser.recognizes(magic) {
            format = .pcap
            do { pcap = try PcapParser(&input) } catch { damage = error }
        } else if magic == PcapngBlockType.sectionHeader {
            format = .pcapng
            do { pcapng = try PcapngParser(&input) } catch { damage = error }
        } else {
            let what = input.source.compression == .none ? "" : " after \(input.source.compression) decompression"
            throw CaptureOpenError(path: path, "not a pcap or pcapng file\(what) (starts with 0x\(hex(magic.bigEndian)))")
        }
    }

    /// The next packet, or nil at the end of the file or at damage. The record's bytes are
    /// valid until the next call.
    @inline(__always)
    public mutating func next() -> PacketRecord? {
        guard damage == nil else { return nil }
        do {
            let record: PacketRecord?
            switch format {
            case .pcap: record = try pcap!.next(&input)
            case .pcapng: record = try pcapng!.next(&input)
            }
            if record != nil { packets += 1 }
            return record
        } catch {
            damage = error
            return nil
        }
    }

    // MARK: - What the file says about itself

    public var sections: [CaptureSection] {
        if let pcapng { return pcapng.sections }
        guard let pcap else { return [] }
        return [
            CaptureSection(
                bigEndian: pcap.swapped != (0x0102.bigEndian == 0x0102),
                majorVersion: pcap.version.major, minorVersion: pcap.version.minor)
        ]
    }

    public var interfaces: [CaptureInterface] {
        if let pcapng { return pcapng.interfaces }
        guard let pcap else { return [] }
        var iface = CaptureInterface(section: 0, index: 0, linkType: pcap.linkType, snapLength: pcap.snapLength)
        iface.unitsPerSecond = pcap.nanosecond ? 1_000_000_000 : 1_000_000
        iface.fcsLength = pcap.fcsLength
        return [iface]
    }

    /// Interfaces described so far (pcap: 1), without building their descriptions.
    public var interfaceCount: Int { pcapng?.interfaces.count ?? 1 }

    public var blockCounts: PcapngBlockCounts? { pcapng?.counts }
    /// pcap records longer than the header's snaplen, read whole (0 for pcapng).
    public var oversizedRecords: Int { pcap?.oversizedRecords ?? 0 }
    public var secrets: [DecryptionSecret] { pcapng?.secrets ?? [] }
    /// Decryption Secrets Blocks read so far (they come before the packets they decrypt).
    public var secretsCount: Int { pcapng?.secrets.count ?? 0 }

    public var warnings: Warnings {
        var w = pcapng?.warnings ?? Warnings()
        if let n = pcap?.fractionOverflows, n > 0 {
            w.add("\(n) records with a timestamp fraction of a second or more (carried into the seconds)")
        }
        if let n = pcap?.oversizedRecords, n > 0, let pcap {
            w.add("\(n) records longer than the file's snapshot length \(pcap.snapLength) (read whole, as tshark does)")
        }
        if let n = pcapng?.timestampOverflows, n > 0 {
            w.add("\(n) packets with timestamps too large to represent (reported without a timestamp)")
        }
        if let n = pcapng?.counts.custom, n > 0 { w.add("\(n) custom blocks skipped") }
        if let n = pcapng?.counts.unknown, n > 0 { w.add("\(n) blocks of unknown type skipped") }
        return w
    }
}
