import Foundation
import Testing
import _TestSupport

/// Malformed frames are counted and the first ten named in the warnings: file, frame
/// number, the record's byte offset and what failed at which byte of the frame.
struct MalformedWarningTests {
    @Test(arguments: ["summary", "report"])
    func firstTenAreNamed(_ command: String) throws {
        // A TCP header claiming 28 bytes (data offset 7) with 20 captured, twelve times,
        // after one good frame. Records: 24-byte file header, 16-byte record headers.
        let good = Frames.ethernet(type: 0x0800, Frames.ipv4(src: [10, 0, 0, 1], dst: [10, 0, 0, 2], proto: 6,
                                                              Frames.tcp(sport: 1, dport: 2, flags: 0x02)))
        var bad = good
        bad[14 + 20 + 12] = 0x70
        let records = [good] + Array(repeating: bad, count: 12)
        let path = temporaryFile(Frames.pcapFile(records: records.map { (1, 0, $0, nil) }), suffix: ".pcap")
        let (status, json) = try LoupeBinary.json([command, "--format", "json", path])
        #expect(status == 0)
        #expect(json["malformedPackets"] as? Int == 12)
        let warnings = json["warnings"] as? [String] ?? []
        #expect(warnings.count == 11)
        let frameSize = good.count
        #expect(warnings.first == "malformed frame 2 in \(path) (record at byte \(24 + 16 + frameSize)): "
            + "tcp: needs 28 bytes, 20 captured (frame byte 54)")  // the first byte missing
        #expect(warnings.dropFirst(9).first?.hasPrefix("malformed frame 11 in \(path) (record at byte \(24 + 10 * (16 + frameSize)))") == true)
        #expect(warnings.last == "2 more malformed frames not listed")
    }
}
