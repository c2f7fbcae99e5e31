import Foundation
import Testing
import _TestSupport

/// The sightings stage's tables driven past their bounds through `loupe report` (docs/bounds.md,
/// docs/sightings.md): the bound is said in a warning, the run ends well, memory stays within
/// the budget. The in-process bounds (sightings table, held packets, NAT views, flows' points)
/// are in `SightingsStageTests`.
struct SightingsBoundsTests {
    /// A Linux cooked v2 pcap (what `-i any` writes as `LINUX_SLL2`): record i a TCP segment
    /// on interface index `on(i)` at `time(i)` microseconds.
    static func capture(records: Int, on: (Int) -> Int, time: (Int) -> UInt64) -> String {
        let all = (0..<records).map { i -> (seconds: UInt32, fraction: UInt32, data: [UInt8], original: Int?) in
            let ip = Frames.ipv4(
                src: [10, 0, UInt8(i >> 8 & 0xFF), UInt8(i & 0xFF)], dst: [10, 1, 0, 1], proto: 6,
                Frames.tcp(sport: UInt16(1024 + i % 60_000), dport: 80, seq: UInt32(i), flags: 0x02),
                id: UInt16(i & 0xFFFF))
            let sll2 =
                Frames.be16(0x0800) + [0, 0] + Frames.be32(UInt32(on(i))) + [0, 1, 0, 6] + [UInt8](repeating: 0, count: 8)
            let t = 1_800_000_000_000_000 + time(i)
            return (UInt32(t / 1_000_000), UInt32(t % 1_000_000), sll2 + ip, nil)
        }
        return temporaryFile(Frames.pcapFile(linkType: 276, snaplen: 262_144, records: all), suffix: ".pcap")
    }

    /// 20,000 records on two interfaces within half a second: more than the 16,384 the time
    /// order holds. In order, going out early harms nothing and nothing is said; with the last
    /// 2,000 records 450 ms older than those before them, some arrive after later ones went
    /// out: said.
    @Test(.enabled(if: HostileBoundsTests.enabled)) func timeOrderPastItsBound() throws {
        let inOrder = Self.capture(records: 20_000, on: { 1 + $0 & 1 }, time: { UInt64($0) * 25 })
        let (ordered, quiet, _) = try HostileBoundsTests.report(inOrder)
        #expect(!quiet.contains("out of order"), "\(quiet)")
        #expect((ordered["sightings"] as? [String: Any])?["distinctPackets"] as? Int == 20_000)
        let path = Self.capture(
            records: 20_000, on: { 1 + $0 & 1 }, time: { $0 < 18_000 ? UInt64($0) * 25 : UInt64($0 - 18_000) * 25 })
        let (json, warnings, _) = try HostileBoundsTests.report(path)
        #expect(
            warnings.contains("records arrived after later ones had gone out (the time order holds at most 16384 records"),
            "\(warnings)")
        #expect((json["sightings"] as? [String: Any])?["distinctPackets"] as? Int == 20_000)
    }

    /// One record on each of 4,100 interfaces: past 4,096 points, the rest share the last.
    @Test(.enabled(if: HostileBoundsTests.enabled)) func observationPointsPastTheirBound() throws {
        let path = Self.capture(records: 4_100, on: { $0 + 1 }, time: { UInt64($0) })
        let (json, warnings, _) = try HostileBoundsTests.report(path)
        #expect(warnings.contains("more than 4096 observation points"), "\(warnings)")
        #expect(((json["sightings"] as? [String: Any])?["points"] as? [String: Any])?["total"] as? Int == 4_096)
    }
}
