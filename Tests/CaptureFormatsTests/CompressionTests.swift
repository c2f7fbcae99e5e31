import CaptureFormats
import Foundation
import Testing
import _TestSupport

/// gzip and zstd input, recognised by magic bytes whatever the file is called.
@Suite(
    .enabled(
        if: FileManager.default.fileExists(atPath: "/usr/bin/zstd") && FileManager.default.fileExists(atPath: "/usr/bin/gzip"),
        "gzip and zstd tools are needed (scripts/setup installs them)"))
struct CompressionTests {
    static let plain = PcapngReaderTests.sample()

    func count(_ bytes: [UInt8]) throws -> (Int, CaptureReader) {
        let path = temporaryFile(bytes, suffix: ".pcap")  // the name says nothing true
        defer { try? FileManager.default.removeItem(atPath: path) }
        var reader = try CaptureReader(path: path)
        var n = 0
        while reader.next() != nil { n += 1 }
        return (n, reader)
    }

    @Test(arguments: [("/usr/bin/gzip", Compression.gzip), ("/usr/bin/zstd", Compression.zstd)])
    func decompresses(tool: String, kind: Compression) throws {
        let (n, reader) = try count(try compress(Self.plain, with: tool))
        #expect(n == 3)
        #expect(reader.compression == kind)
        #expect(reader.damage == nil)
    }

    /// Concatenated gzip members are one stream (RFC 1952 section 2.2).
    @Test func gzipMembers() throws {
        let pcap = PcapReaderTests.file
        let half = pcap.count / 2
        let bytes =
            try compress(Array(pcap.prefix(half)), with: "/usr/bin/gzip")
            + compress(Array(pcap.dropFirst(half)), with: "/usr/bin/gzip")
        let (n, reader) = try count(bytes)
        #expect(n == 2)
        #expect(reader.damage == nil)
    }

    /// 2000 packets of varied bytes, so the compressed stream has many blocks.
    static let many: [UInt8] = {
        var w = PcapngWriter()
        w.sectionHeader()
        w.interface(linkType: 1, snapLength: 0)
        var state: UInt32 = 12345
        for i in 0..<2000 {
            var data = PcapReaderTests.packet
            for _ in 0..<200 {
                state = state &* 1_103_515_245 &+ 12345
                data.append(UInt8(truncatingIfNeeded: state >> 16))
            }
            w.enhancedPacket(interface: 0, timestampUnits: UInt64(i), data: data)
        }
        return w.bytes
    }()

    /// A stream cut short: the packets decompressed before the cut count, then damage.
    @Test(arguments: ["/usr/bin/gzip", "/usr/bin/zstd"])
    func truncatedStreamIsDamage(tool: String) throws {
        let compressed = try compress(Self.many, with: tool)
        let (n, reader) = try count(Array(compressed.prefix(compressed.count / 2)))
        #expect(n > 100 && n < 2000, "\(n) packets before the cut")
        let damage = try #require(reader.damage)
        #expect(damage.message.contains("ends early"), "\(damage)")
    }

    @Test func corruptGzipIsDamage() throws {
        var compressed = try compress(Self.many, with: "/usr/bin/gzip")
        for i in compressed.count / 2..<compressed.count / 2 + 40 { compressed[i] ^= 0x5A }
        let (_, reader) = try count(compressed)
        // Either inflate rejects the bits or the CRC-32 in the trailer does: never a clean end.
        #expect(reader.damage != nil)
    }
}
