import CaptureFormats
import Foundation
import Testing
import _TestSupport

/// Every public corpus capture against tshark 4.0's answer: packet count and the first and
/// last packet timestamps (file order) to the microsecond; damaged files stop where
/// tshark stopped.
@Suite(.enabled(if: Corpus.sharedRoot != nil, Comment(rawValue: Corpus.missingMessage)))
struct CorpusOracleTests {
    /// Where Loupe deliberately differs from tshark, and why.
    static let pinned: Set<String> = [
        // tshark 4.0 shows pcapng custom blocks (0x00000BAD/0x40000BAD) as frames without an
        // interface or timestamp; they are not packets (capinfos says 8). Pinned below.
        "gopacket/test202.pcapng"
    ]

    /// Both read modes (read-ahead thread, and plain reads on the caller's thread).
    @Test(arguments: Corpus.oracleCaptures(), [true, false])
    func matchesOracle(_ capture: String, readAhead: Bool) throws {
        let oracle = try Corpus.oracle(capture)
        var reader = try CaptureReader(path: Corpus.capturePath(capture), readAhead: readAhead)
        var packets = 0
        var first: Timestamp?, last: Timestamp?
        while let record = reader.next() {
            if packets == 0 { first = record.timestamp }
            last = record.timestamp
            packets += 1
        }
        if Self.pinned.contains(capture) { return }
        #expect(packets == oracle["packet_count"] as? Int, "\(capture)")
        #expect(
            first.map { microseconds($0.decimalString) } == (oracle["first_timestamp_epoch"] as? String).map(microseconds),
            "\(capture) first timestamp")
        #expect(
            last.map { microseconds($0.decimalString) } == (oracle["last_timestamp_epoch"] as? String).map(microseconds),
            "\(capture) last timestamp")
        let tshark = oracle["tshark"] as? [String: Any]
        let tsharkFailed = (tshark?["exit_status"] as? Int ?? 0) != 0
        #expect((reader.damage != nil) == tsharkFailed, "\(capture): damage \(String(describing: reader.damage))")
    }

    /// test202: 8 packets (6 EPB + 2 SPB) plus 3 custom blocks = tshark's 11 frames; the
    /// first frame tshark shows is a custom block, hence its null first timestamp. Loupe's
    /// first packet is the SPB-free EPB at the oracle's min_time_epoch.
    @Test func customBlocksAreNotPackets() throws {
        let capture = "gopacket/test202.pcapng"
        let oracle = try Corpus.oracle(capture)
        var reader = try CaptureReader(path: Corpus.capturePath(capture))
        var packets = 0
        var timestamps: [Timestamp] = []
        while let r = reader.next() {
            packets += 1
            if let t = r.timestamp { timestamps.append(t) }
        }
        let counts = try #require(reader.blockCounts)
        #expect(packets == 8)
        #expect(counts.custom == 3)
        #expect(packets + counts.custom == oracle["packet_count"] as? Int)
        #expect(counts.sectionHeaders == 3 && counts.interfaceDescriptions == 5)
        #expect(counts.simplePackets == 2 && counts.enhancedPackets == 6)
        let frames = try #require(oracle["frames"] as? [String: Any])
        #expect(microseconds(timestamps.min()!.decimalString) == microseconds(frames["min_time_epoch"] as! String))
        #expect(reader.damage == nil)
    }

    /// The zstd pcapng carries a timestamp in year 586524; tshark reads the 64-bit value as
    /// unsigned, and so does Loupe (the pcapng spec says unsigned).
    @Test func hugeTimestampsAreUnsigned() throws {
        var reader = try CaptureReader(path: Corpus.capturePath("pcapplusplus/pcapng-example.pcapng.zst"))
        var last: Timestamp?
        while let r = reader.next() { last = r.timestamp }
        #expect(reader.compression == .zstd)
        #expect(last?.decimalString == "18446744073204.277451000")
    }
}
