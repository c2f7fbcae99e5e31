import CaptureFormats
import Foundation
import Testing
import _TestSupport

/// Files of many MiB, so records straddle read-ahead chunks (1 MiB) and some records are
/// bigger than a chunk's headroom or the chunk itself: both read modes must return the
/// same records, byte for byte.
struct ReadModeTests {
    /// ~12 MiB pcap: packets of pseudo-random sizes, plus 3 MiB, 1.5 MiB and 300 KiB ones.
    static let big: [UInt8] = {
        var state: UInt64 = 99
        func next() -> UInt64 {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            return state
        }
        var records: [(seconds: UInt32, fraction: UInt32, data: [UInt8], original: Int?)] = []
        var total = 0
        var i: UInt32 = 0
        while total < 12 << 20 {
            var size = Int(next() % 9000) + 1
            if i == 500 { size = 3 << 20 } else if i == 900 { size = 1_500_000 } else if i == 1300 { size = 300_000 }
            let fill = UInt8(truncatingIfNeeded: i)
            records.append((i, 0, [UInt8](repeating: fill, count: size), nil))
            total += size + 16
            i += 1
        }
        return Frames.pcapFile(snaplen: 4 << 20, records: records)
    }()

    static func digest(
        _ bytes: [UInt8], readAhead: Bool
    ) throws -> (count: Int, sizes: [Int], sum: UInt64, damage: CaptureDamage?) {
        let path = temporaryFile(bytes)
        defer { try? FileManager.default.removeItem(atPath: path) }
        var reader = try CaptureReader(path: path, readAhead: readAhead)
        var sizes: [Int] = [], sum: UInt64 = 0
        while let r = reader.next() {
            sizes.append(r.capturedLength)
            // Position-dependent checksum: a byte from the wrong record or offset changes it.
            for (k, b) in r.data.enumerated() where k % 97 == 0 { sum = sum &* 31 &+ UInt64(b) &+ UInt64(k) }
            #expect(r.data.first == UInt8(truncatingIfNeeded: sizes.count - 1) || r.data.isEmpty)
            #expect(r.data.last == r.data.first)
        }
        return (sizes.count, sizes, sum, reader.damage)
    }

    @Test func sameRecordsInBothModes() throws {
        let a = try Self.digest(Self.big, readAhead: true)
        let b = try Self.digest(Self.big, readAhead: false)
        #expect(a.count > 1500)
        #expect(a.sizes.contains(3 << 20) && a.sizes.contains(1_500_000))
        #expect(a.count == b.count && a.sizes == b.sizes && a.sum == b.sum)
        #expect(a.damage == nil && b.damage == nil)
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/usr/bin/zstd")))
    func sameRecordsCompressed() throws {
        let plain = try Self.digest(Self.big, readAhead: false)
        for tool in ["/usr/bin/gzip", "/usr/bin/zstd"] {
            let z = try Self.digest(try compress(Self.big, with: tool), readAhead: true)
            #expect(z.count == plain.count && z.sum == plain.sum, "\(tool)")
        }
    }

    /// Cut inside the 3 MiB record: the records before it stand, in both modes, and the
    /// damage names the same offset.
    @Test func truncatedInsideAHugeRecord() throws {
        let whole = try Self.digest(Self.big, readAhead: false)
        let before = whole.sizes.prefix(500).reduce(24) { $0 + $1 + 16 }
        let cut = Array(Self.big.prefix(before + 16 + 2_000_000))
        let a = try Self.digest(cut, readAhead: true)
        let b = try Self.digest(cut, readAhead: false)
        #expect(a.count == 500 && b.count == 500)
        #expect(a.damage?.offset == Int64(before) && b.damage?.offset == Int64(before))
    }
}
