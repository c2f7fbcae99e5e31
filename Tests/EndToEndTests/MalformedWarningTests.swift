import Foundation
import Testing
import _TestSupport

/// Malformed frames are counted and the first ten named in the warnings: file, frame
/// number, the record's byte offset and what failed at which byte of the frame.
struct MalformedWarningTests {
    @Test(arguments: ["summary", "report"])
    func firstTenAreNamed(_ command: String) throws {
        // A TCP header claiming 28 bytes (data offset 7) with 20 captured, twelve times,
        // after one good frame, 1 ms apart (closer, the same bytes are the capture's
        // duplicates, counted once). Records: 24-byte file header, 16-byte record headers.
        let good = Frames.ethernet(
            type: 0x0800,
            Frames.ipv4(
                src: [10, 0, 0, 1], dst: [10, 0, 0, 2], proto: 6,
                Frames.tcp(sport: 1, dport: 2, flags: 0x02)))
        var bad = good
        bad[14 + 20 + 12] = 0x70
        let records = [good] + Array(repeating: bad, count: 12)
        let path = temporaryFile(
            Frames.pcapFile(records: records.enumerated().map { (1, UInt32($0.offset * 1000), $0.element, nil) }), suffix: ".pcap"
        )
        let (status, json) = try LoupeBinary.json([command, "--format", "json", path])
        #expect(status == 0)
        #expect(json["malformedPackets"] as? Int == 12)
        let warnings = json["warnings"] as? [String] ?? []
        #expect(warnings.count == 11)
        let frameSize = good.count
        #expect(
            warnings.first == "malformed frame 2 in \(path) (record at byte \(24 + 16 + frameSize)): "
                + "tcp: needs 28 bytes, 20 captured (frame byte 54)")  // the first byte missing
        #expect(
            warnings.dropFirst(9).first?.hasPrefix("malformed frame 11 in \(path) (record at byte \(24 + 10 * (16 + frameSize)))")
                == true)
        #expect(warnings.last == "2 more malformed frames not listed")
    }

    /// A DNS query whose name runs past the datagram: counted in `dns.malformed` and named
    /// in `dns.malformedExamples` with endpoints, time and the frame byte where it fails; its
    /// 12-byte header still makes it a query (a transaction, unanswered here).
    @Test func malformedDNSIsNamed() throws {
        let dns: [UInt8] = [0, 7, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 5, UInt8(ascii: "a"), UInt8(ascii: "b")]
        let frame = Frames.ethernet(
            type: 0x0800,
            Frames.ipv4(
                src: [10, 0, 0, 5], dst: [10, 96, 0, 10], proto: 17,
                Frames.udp(sport: 40000, dport: 53, dns)))
        let path = temporaryFile(Frames.pcapFile(records: [(1_700_000_000, 250_000, frame, nil)]), suffix: ".pcap")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let (status, json) = try LoupeBinary.json(["report", "--format", "json", path])
        #expect(status == 0)
        let section = try #require(json["dns"] as? [String: Any])
        #expect(section["malformed"] as? Int == 1 && section["queries"] as? Int == 1)
        #expect(section["unanswered"] as? Int == 1 && section["truncatedMessages"] as? Int == 0)
        let examples = section["malformedExamples"] as? [String] ?? []
        #expect(examples.count == 1)
        // The label of 5 starts at frame byte 54 (where the error points) and needs 6 bytes; 3 are there.
        #expect(
            examples.first?.hasPrefix("udp 10.0.0.5:40000 -> 10.96.0.10:53 at 1700000000.250000000: dns: ") == true,
            "\(examples)")
        #expect(examples.first?.hasSuffix("(frame byte \(14 + 20 + 8 + 12))") == true, "\(examples)")
    }
}
