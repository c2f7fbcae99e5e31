import Dissectors
import Testing

struct TCPOptionsTests {
    func parse(_ bytes: [UInt8]) -> TCP.Options {
        bytes.withUnsafeBytes { TCP.Options(ByteSlice($0)) }
    }

    /// A Linux SYN: MSS 1460, SACK permitted, timestamps, NOP, window scale 7.
    @Test func linuxSYN() {
        let o = parse([2, 4, 0x05, 0xB4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7])
        #expect(o.maximumSegmentSize == 1460 && o.sackPermitted && o.windowScale == 7)
        #expect(o.timestampValue == 1 && o.timestampEcho == 0 && !o.malformed)
    }

    @Test func sackBlocksAndShiftCap() {
        let o = parse([1, 1, 5, 18] + [UInt8](repeating: 0, count: 16) + [3, 3, 15])
        #expect(o.sackBlocks == 2)
        #expect(o.windowScale == 15 && o.effectiveWindowShift == 14)
    }

    /// Lengths that lie: never read past the bytes, and say so.
    @Test(arguments: [[2, 40, 0, 0], [3], [8, 1, 0, 0], [5, 0]] as [[UInt8]])
    func badLengths(_ bytes: [UInt8]) {
        #expect(parse(bytes).malformed)
    }

    @Test func everyPrefixIsSafe() {
        let full: [UInt8] = [2, 4, 0x05, 0xB4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7]
        for n in 0...full.count { _ = parse(Array(full.prefix(n))) }
        #expect(parse(Array(full.prefix(3))).malformed)
    }
}
