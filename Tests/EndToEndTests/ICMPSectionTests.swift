import Foundation
import Testing
import _TestSupport

/// The `icmp` section (issue 24's walk-through analysis, a `PassAnalysis` plug-in), on
/// `fixtures/pcaps/icmp/errors.pcapng` (recorded by `fixtures/gen/record-icmp.sh`): a router
/// in front of a 1280-byte link answers a 1400-byte DF ping with Fragmentation Needed (IPv4)
/// and Packet Too Big (IPv6), MTU 1280; the server answers UDP to its closed port 9999 from
/// ports 40001 (IPv4) and 40002 (IPv6) with port unreachable. Truth by construction.
struct ICMPSectionTests {
    static func icmp(_ arguments: [String]) throws -> [String: Any] {
        let (status, json) = try LoupeBinary.json(["report", "--format", "json"] + arguments)
        #expect(status == 0)
        return json["icmp"] as? [String: Any] ?? [:]
    }

    static func rows(_ s: [String: Any], _ key: String) -> [[String: Any]] {
        (s[key] as? [String: Any])?["rows"] as? [[String: Any]] ?? []
    }

    @Test func errorsNameTheirFlowsAndTheMTU() throws {
        let s = try Self.icmp([Fixtures.path("pcaps/icmp/errors.pcapng")])
        let mtu = Self.rows(s, "fragmentationNeeded")
        #expect(mtu.count == 2)
        #expect(mtu.allSatisfy { $0["mtu"] as? Int == 1280 })
        #expect(
            mtu.contains {
                $0["from"] as? String == "10.80.0.254" && $0["flowServer"] as? String == "10.80.1.2" && $0["code"] as? Int == 4
            })
        #expect(mtu.contains { $0["from"] as? String == "fd00:80::fe" && $0["flowClient"] as? String == "fd00:80::1" })
        let unreachable = Self.rows(s, "unreachable")
        #expect(unreachable.count == 2)
        #expect(
            unreachable.contains {
                $0["flowClient"] as? String == "10.80.0.1:40001" && $0["flowServer"] as? String == "10.80.1.2:9999"
                    && $0["code"] as? Int == 3
            })
        #expect(
            unreachable.contains {
                $0["flowClient"] as? String == "[fd00:80::1]:40002" && $0["flowServer"] as? String == "[fd00:80:1::2]:9999"
                    && $0["code"] as? Int == 4
            })
        let types = s["byType"] as? [String: Int] ?? [:]
        #expect(types["packetTooBig"] == 1 && types["echoReply"] == 1 && types["destinationUnreachable"] == 3)
        // Every ICMP message of the capture counted once (tshark's count of icmp || icmpv6).
        #expect(s["messages"] as? Int == 9)
    }

    /// `--rows` caps the lists; the totals still count every error.
    @Test func listsAreCapped() throws {
        let s = try Self.icmp(["--rows", "1", Fixtures.path("pcaps/icmp/errors.pcapng")])
        let list = s["unreachable"] as? [String: Any] ?? [:]
        #expect(list["total"] as? Int == 2 && list["omitted"] as? Int == 1)
    }

    /// Every type is counted under its own name (a fixed table of 512: nothing to bound): 300
    /// ICMPv4 and ICMPv6 types, each once.
    @Test func everyTypeCountedApart() throws {
        var frames: [(seconds: UInt32, fraction: UInt32, data: [UInt8], original: Int?)] = []
        for i in 0..<300 {
            // ICMPv6 types 200-243 have no name an ICMPv4 type shares: each is a new key.
            let message: [UInt8] = [i < 256 ? UInt8(i) : UInt8(200 + i - 256), 0, 0, 0, 0, 0, 0, 0]
            let packet =
                i < 256
                ? Frames.ethernet(type: 0x0800, Frames.ipv4(src: [10, 0, 0, 1], dst: [10, 0, 0, 2], proto: 1, message))
                : Frames.ethernet(
                    type: 0x86DD,
                    Frames.ipv6(
                        src: [UInt8](repeating: 1, count: 16), dst: [UInt8](repeating: 2, count: 16),
                        next: 58, message))
            frames.append((1_800_000_000, UInt32(i), packet, nil))
        }
        let s = try Self.icmp([temporaryFile(Frames.pcapFile(records: frames))])
        let types = s["byType"] as? [String: Int] ?? [:]
        #expect(s["messages"] as? Int == 300)
        #expect(types.count == 300 && types.values.allSatisfy { $0 == 1 })
        #expect(types["icmpv6 type 243"] == 1 && types["echoRequest"] == 1)
    }

    /// Past `ICMPAnalysis.rowsKept` (10,000) error rows, the rest are counted, even with a
    /// larger `--rows`: 10,005 port-unreachable messages.
    @Test func errorRowsPastTheirBound() throws {
        let quoted = Frames.ipv4(src: [10, 0, 0, 1], dst: [10, 0, 0, 2], proto: 17, Frames.udp(sport: 40000, dport: 9999, [1]))
        let message: [UInt8] = [3, 3, 0, 0, 0, 0, 0, 0] + quoted
        let packet = Frames.ethernet(type: 0x0800, Frames.ipv4(src: [10, 0, 0, 2], dst: [10, 0, 0, 1], proto: 1, message))
        var frames: [(seconds: UInt32, fraction: UInt32, data: [UInt8], original: Int?)] = []
        for i in 0..<10_005 {
            let seconds = UInt32(1_800_000_000 + i / 1000), fraction = UInt32(i % 1000 * 1000)
            frames.append((seconds, fraction, packet, nil))
        }
        let s = try Self.icmp(["--rows", "100000", temporaryFile(Frames.pcapFile(records: frames))])
        let list = s["unreachable"] as? [String: Any] ?? [:]
        #expect(list["total"] as? Int == 10_005 && Self.rows(s, "unreachable").count == 10_000)
        #expect(Self.rows(s, "unreachable").first?["flowServer"] as? String == "10.0.0.2:9999")
    }
}
