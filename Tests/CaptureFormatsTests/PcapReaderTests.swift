import CaptureFormats
import Foundation
import Testing
import _TestSupport

struct PcapReaderTests {
    static let packet: [UInt8] = Frames.ethernet(
        type: 0x0800,
        Frames.ipv4(
            src: [10, 0, 0, 1], dst: [10, 0, 0, 2], proto: 17,
            Frames.udp(sport: 1000, dport: 53, [1, 2, 3, 4])))
    static let file = Frames.pcapFile(records: [(1_700_000_000, 250_000, packet, nil), (1_700_000_001, 5, packet, 1500)])

    func readAll(_ bytes: [UInt8]) throws -> (records: [(Timestamp?, Int, Int)], reader: CaptureReader) {
        let path = temporaryFile(bytes)
        defer { try? FileManager.default.removeItem(atPath: path) }
        var reader = try CaptureReader(path: path)
        var out: [(Timestamp?, Int, Int)] = []
        while let r = reader.next() { out.append((r.timestamp, r.capturedLength, r.originalLength)) }
        return (out, reader)
    }

    @Test(arguments: [false, true])
    func readsBothByteOrders(bigEndian: Bool) throws {
        let bytes = Frames.pcapFile(bigEndian: bigEndian, records: [(1_700_000_000, 250_000, Self.packet, nil)])
        let (records, reader) = try readAll(bytes)
        #expect(records.count == 1)
        #expect(records[0].0 == Timestamp(seconds: 1_700_000_000, nanoseconds: 250_000_000))
        #expect(reader.format == .pcap)
        #expect(reader.sections.first?.bigEndian == bigEndian)
        #expect(reader.interfaces.first?.linkType == .ethernet)
    }

    @Test func nanosecondMagic() throws {
        let bytes = Frames.pcapFile(nanosecond: true, records: [(5, 123_456_789, Self.packet, nil)])
        let (records, _) = try readAll(bytes)
        #expect(records[0].0?.decimalString == "5.123456789")
    }

    @Test func wireLengthAndSnaplenCut() throws {
        let (records, reader) = try readAll(Self.file)
        #expect(records.map(\.1) == [Self.packet.count, Self.packet.count])
        #expect(records.map(\.2) == [Self.packet.count, 1500])
        #expect(reader.damage == nil)
    }

    /// Every prefix of a valid file: no trap; the complete records before the cut are
    /// returned; a cut inside the header or a record is damage with the record's offset.
    @Test func truncatedAtEveryLength() throws {
        let recordSize = 16 + Self.packet.count
        for n in 0..<Self.file.count {
            let path = temporaryFile(Array(Self.file.prefix(n)))
            defer { try? FileManager.default.removeItem(atPath: path) }
            guard var reader = try? CaptureReader(path: path) else {
                #expect(n < 4, "only files shorter than a magic number are unreadable (n=\(n))")
                continue
            }
            var count = 0
            while reader.next() != nil { count += 1 }
            let complete = n < 24 ? 0 : (n - 24) / recordSize
            #expect(count == min(complete, 2), "prefix \(n)")
            let clean = n == 24 || n == 24 + recordSize
            #expect((reader.damage == nil) == clean, "prefix \(n): \(String(describing: reader.damage))")
            if n > 24 && !clean { #expect(reader.damage?.offset == Int64(24 + count * recordSize)) }
        }
    }

    /// Records longer than the snaplen but within the link type's maximum are read whole and
    /// counted, as tshark reads them (old capture tools wrote such files); past the link
    /// type's maximum (262,144 for Ethernet) the file is damaged there.
    @Test func capturedLengthPastSnaplenIsReadWhole() throws {
        let bytes = Frames.pcapFile(
            snaplen: 64,
            records: [
                (1, 0, [UInt8](repeating: 0, count: 60), nil),
                (2, 0, [UInt8](repeating: 1, count: 100), nil),
                (3, 0, [UInt8](repeating: 2, count: 262_144), nil),
            ])
        let (records, reader) = try readAll(bytes)
        #expect(records.count == 3)
        #expect(records[1].1 == 100 && records[2].1 == 262_144)
        #expect(reader.damage == nil)
        #expect(reader.oversizedRecords == 2)
        #expect(reader.warnings.messages.contains { $0.contains("2 records longer than the file's snapshot length 64") })
    }

    @Test func capturedLengthPastTheLinkMaximumIsDamage() throws {
        let bytes = Frames.pcapFile(
            snaplen: 64,
            records: [
                (1, 0, [UInt8](repeating: 0, count: 60), nil),
                (2, 0, [UInt8](repeating: 0, count: 262_145), nil),
            ])
        let (records, reader) = try readAll(bytes)
        #expect(records.count == 1)
        #expect(reader.damage?.offset == Int64(24 + 16 + 60))
        #expect(reader.damage?.message.contains("snapshot length 64 and the link type's maximum 262144") == true)
    }

    /// A 4 GB length claim is reported, not allocated.
    @Test func absurdLengthIsDamageNotAllocation() throws {
        var bytes = Frames.pcapFile(snaplen: 0, records: [])
        bytes += Frames.le32(1) + Frames.le32(0) + Frames.le32(0xFFFF_FFF0) + Frames.le32(0xFFFF_FFF0)
        let (records, reader) = try readAll(bytes)
        #expect(records.isEmpty)
        #expect(reader.damage?.offset == 24)
    }

    @Test func fractionOverflowIsCarriedAndWarned() throws {
        let bytes = Frames.pcapFile(records: [(10, 2_500_000, Self.packet, nil)])
        let (records, reader) = try readAll(bytes)
        #expect(records[0].0 == Timestamp(seconds: 12, nanoseconds: 500_000_000))
        #expect(reader.warnings.messages.contains { $0.contains("fraction") })
    }

    @Test func notACaptureIsUnreadable() throws {
        let path = temporaryFile(Array("hello, world\n".utf8))
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(throws: CaptureOpenError.self) { try CaptureReader(path: path) }
        #expect(throws: CaptureOpenError.self) { try CaptureReader(path: "/nonexistent/x.pcap") }
    }
}
