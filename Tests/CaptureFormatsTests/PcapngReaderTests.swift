import CaptureFormats
import Foundation
import Testing
import _TestSupport

struct PcapngReaderTests {
    static let packet = PcapReaderTests.packet

    /// Two sections (the second big-endian when asked), nanosecond and microsecond
    /// interfaces, EPB, SPB, ISB, a custom and an unknown block.
    static func sample(bigEndian: Bool = false) -> [UInt8] {
        var w = PcapngWriter(bigEndian: bigEndian)
        w.sectionHeader(options: [.string(3, "Linux"), .comment("first section")])
        w.interface(linkType: 1, snapLength: 0, options: [.string(2, "eth0"), .u8(9, 9)])
        w.interface(linkType: 113, snapLength: 128, options: [.string(2, "any")])
        w.enhancedPacket(interface: 0, timestampUnits: 1_700_000_000_123_456_789, data: packet)
        w.rawBlock(type: 0x0000_0BAD, body: [0, 0, 0x7E, 0x6B, 1, 2, 3, 4])
        w.enhancedPacket(
            interface: 1, timestampUnits: 1_700_000_001_000_001, data: Array(packet.prefix(40)),
            originalLength: packet.count)
        w.rawBlock(type: 0x0000_0099, body: [1, 2, 3, 4])
        w.statistics(interface: 0, timestampUnits: 0, received: 10, dropped: 3)
        w.sectionHeader()
        w.interface(linkType: 101, snapLength: 0)
        w.simplePacket(data: Array(packet.dropFirst(14)))
        return w.bytes
    }

    func read(_ bytes: [UInt8]) throws -> (records: [(Timestamp?, Int, Int, LinkType, Int)], reader: CaptureReader) {
        let path = temporaryFile(bytes)
        defer { try? FileManager.default.removeItem(atPath: path) }
        var reader = try CaptureReader(path: path)
        var out: [(Timestamp?, Int, Int, LinkType, Int)] = []
        while let r = reader.next() { out.append((r.timestamp, r.capturedLength, r.originalLength, r.linkType, r.interface)) }
        return (out, reader)
    }

    @Test(arguments: [false, true])
    func readsEveryBlockKind(bigEndian: Bool) throws {
        let (records, reader) = try read(Self.sample(bigEndian: bigEndian))
        #expect(reader.damage == nil)
        #expect(reader.format == .pcapng)
        #expect(records.count == 3)
        #expect(records[0].0?.decimalString == "1700000000.123456789")
        #expect(records[1].0?.decimalString == "1700000001.000001000")
        #expect(records[2].0 == nil, "SPBs have no timestamp")
        #expect(records.map(\.3) == [.ethernet, .linuxSLL, .raw])
        #expect(records.map(\.4) == [0, 1, 2], "interfaces are numbered across sections")
        #expect(records[1].1 == 40 && records[1].2 == Self.packet.count)
        #expect(reader.sections.count == 2)
        #expect(reader.sections.allSatisfy { $0.bigEndian == bigEndian })
        #expect(reader.sections[0].operatingSystem == "Linux")
        #expect(reader.sections[0].comments == ["first section"])
        #expect(reader.interfaces.map(\.name) == ["eth0", "any", nil])
        #expect(reader.interfaces[0].unitsPerSecond == 1_000_000_000)
        #expect(reader.interfaces[0].statistics?.received == 10)
        #expect(reader.interfaces[0].statistics?.dropped == 3)
        let counts = try #require(reader.blockCounts)
        #expect(counts.custom == 1 && counts.unknown == 1 && counts.simplePackets == 1 && counts.enhancedPackets == 2)
    }

    @Test func timestampResolutions() {
        #expect(Timestamp.fromUnits(1_500, divisor: 1_000)?.decimalString == "1.500000000")
        // if_tsresol 0x8A: 2^-10 seconds.
        #expect(Timestamp.fromUnits(1024 + 512, divisor: 1 << 10)?.decimalString == "1.500000000")
        #expect(Timestamp.fromUnits(5, divisor: 1, offsetSeconds: -10)?.decimalString == "-5.000000000")
        #expect(Timestamp.fromUnits(UInt64.max, divisor: 1) == nil, "beyond Int64 seconds")
        // The fast paths (micro- and nanoseconds) agree with the general one.
        for units: UInt64 in [0, 999_999, 1_714_564_800_123_456, UInt64.max / 2, UInt64.max] {
            for divisor: UInt64 in [1_000_000, 1_000_000_000] {
                let general = units.multipliedFullWidth(by: 1).low % divisor  // what the wide path keeps
                let t = Timestamp.fromUnits(units, divisor: divisor)
                #expect(t?.seconds == (units / divisor <= UInt64(Int64.max) ? Int64(units / divisor) : nil))
                #expect(
                    t.map { UInt64($0.nanoseconds) }
                        == (units / divisor <= UInt64(Int64.max)
                            ? general * (1_000_000_000 / divisor) : nil))
            }
        }
        #expect(Timestamp.fromUnits(1_714_564_800_123_456, divisor: 1_000_000)?.decimalString == "1714564800.123456000")
        #expect(Timestamp(seconds: -2, nanoseconds: 250_000_000).decimalString == "-1.750000000")
    }

    /// Every prefix: no trap, packets before the cut stand, and a cut inside a block is
    /// damage naming that block's offset.
    @Test func truncatedAtEveryLength() throws {
        let full = Self.sample()
        let (all, _) = try read(full)
        // Block boundaries, to know which prefixes are clean.
        var boundaries: Set<Int> = [0]
        var at = 0
        while at < full.count {
            at += Int(UInt32(full[at + 4]) | UInt32(full[at + 5]) << 8 | UInt32(full[at + 6]) << 16 | UInt32(full[at + 7]) << 24)
            boundaries.insert(at)
        }
        for n in 4..<full.count {
            let (records, reader) = try read(Array(full.prefix(n)))
            #expect(records.count <= all.count)
            if boundaries.contains(n) {
                #expect(reader.damage == nil, "prefix \(n)")
            } else {
                let damage = try #require(reader.damage, "prefix \(n) must be damage")
                #expect(damage.offset <= Int64(n), "prefix \(n)")
            }
        }
    }

    @Test func corruptTrailerStopsWithOffset() throws {
        var bytes = Self.sample()
        // The first EPB follows the SHB and two IDBs; corrupt its trailing length.
        let shb = Int(bytes[4]) | Int(bytes[5]) << 8
        let idb1 = Int(bytes[shb + 4]) | Int(bytes[shb + 5]) << 8
        let idb2 = Int(bytes[shb + idb1 + 4]) | Int(bytes[shb + idb1 + 5]) << 8
        let epb = shb + idb1 + idb2
        let epbLength = Int(bytes[epb + 4]) | Int(bytes[epb + 5]) << 8
        bytes[epb + epbLength - 4] ^= 0xFF
        let (records, reader) = try read(bytes)
        #expect(records.isEmpty)
        #expect(reader.damage?.offset == Int64(epb + epbLength - 4))
    }

    @Test func missingInterfaceIsDamage() throws {
        var w = PcapngWriter()
        w.sectionHeader()
        w.interface(linkType: 1, snapLength: 0)
        w.enhancedPacket(interface: 0, timestampUnits: 1, data: Self.packet)
        w.enhancedPacket(interface: 7, timestampUnits: 2, data: Self.packet)
        let (records, reader) = try read(w.bytes)
        #expect(records.count == 1)
        #expect(reader.damage?.message.contains("interface 7") == true)
    }

    @Test func absurdBlockLength() throws {
        var w = PcapngWriter()
        w.sectionHeader()
        var bytes = w.bytes
        bytes += Frames.le32(6) + Frames.le32(0x7FFF_FFF0) + [UInt8](repeating: 0, count: 32)
        let (records, reader) = try read(bytes)
        #expect(records.isEmpty)
        #expect(reader.damage?.offset == Int64(w.bytes.count + 4))
    }

    @Test func unsupportedVersion() throws {
        var w = PcapngWriter()
        w.sectionHeader(major: 2)
        let (_, reader) = try read(w.bytes)
        #expect(reader.damage?.message.contains("version 2.0") == true)
    }
}
