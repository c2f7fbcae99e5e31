import Dissectors
import Testing
import _TestSupport

/// The decapsulation chain's one nesting budget (`FrameDecoder.maximumNesting`): tags after a
/// cooked header, tags inside tunnels and extension headers add up, the walk never recurses
/// per tag, and past the budget the frame is malformed with `.limit`, never a trap.
struct NestingBudgetTests {
    static let udp = Frames.ipv4(src: [10, 0, 0, 1], dst: [10, 0, 0, 2], proto: 17, Frames.udp(sport: 1, dport: 9, [1]))

    func decode(_ bytes: [UInt8], linkType: UInt32) -> DecodedFrame {
        bytes.withUnsafeBytes { FrameDecoder.decode(linkType: linkType, bytes: $0, originalLength: bytes.count) }
    }

    /// A Linux cooked v1 header (16 bytes) whose protocol is `type`.
    static func cooked(type: UInt16, _ payload: [UInt8]) -> [UInt8] {
        [0, 0, 0, 1, 0, 6, 2, 0, 0, 0, 0, 0, 0, 0] + Frames.be16(type) + payload
    }

    /// `count` stacked 802.1Q tags (4 bytes each) ending in `type`.
    static func tags(_ count: Int, then type: UInt16) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(count * 4)
        for i in 0..<count { out += [0, 1] + Frames.be16(i == count - 1 ? type : 0x8100) }
        return out
    }

    /// The crash: four million tags after a cooked header (a 16 MiB record) recursed once
    /// per tag. Now a loop with the per-kind limit: malformed at the fifth tag.
    @Test func millionsOfTagsAfterCookedHeader() {
        let count = (16 << 20) / 4
        let frame = Self.cooked(type: 0x8100, Self.tags(count, then: 0x0800) + Self.udp)
        let f = decode(frame, linkType: 113)
        #expect(f.isMalformed)
        #expect(f.error?.code == .limit && f.error?.layer == .vlan)
        #expect(f.error?.offset == 16 + 4 * Ethernet.maximumTags)
    }

    @Test func tagsAfterCookedHeaderWithinTheLimitDecode() {
        let frame = Self.cooked(type: 0x8100, Self.tags(2, then: 0x0800) + Self.udp)
        let f = decode(frame, linkType: 113)
        #expect(f.error == nil)
        #expect(f.path.layers == [.linuxSLL, .vlan, .vlan, .ipv4, .udp])
        #expect(f.nesting == 2)
    }

    /// Three tunnels, each with four tags in its inner Ethernet and IPv6 extension headers:
    /// each kind within its own limit, the sum past the budget.
    @Test func mixedKindsAddUpToTheBudget() {
        var frame = Frames.ethernet(type: 0x0800, Self.udp, vlans: [1, 2, 3, 4])
        for _ in 0..<FrameDecoder.maximumTunnelDepth {
            let vxlan: [UInt8] = [0x08, 0, 0, 0, 0, 0, 42, 0] + frame
            frame = Frames.ethernet(
                type: 0x0800,
                Frames.ipv4(
                    src: [192, 168, 0, 1], dst: [192, 168, 0, 2], proto: 17,
                    Frames.udp(sport: 40000, dport: 4789, vxlan)),
                vlans: [5, 6, 7, 8])
        }
        let f = decode(frame, linkType: 1)
        // 4 tags x 4 Ethernet headers + 3 tunnels = 19 > 16
        #expect(f.error?.code == .limit)
        #expect(f.isMalformed)
        #expect(Int(f.nesting) <= FrameDecoder.maximumNesting)
    }

    /// Within every per-kind limit and the budget: decodes whole.
    @Test func realisticChainDecodes() {
        var frame = Frames.ethernet(type: 0x0800, Self.udp, vlans: [1])
        let vxlan: [UInt8] = [0x08, 0, 0, 0, 0, 0, 42, 0] + frame
        frame = Frames.ethernet(
            type: 0x0800,
            Frames.ipv4(
                src: [192, 168, 0, 1], dst: [192, 168, 0, 2], proto: 17,
                Frames.udp(sport: 40000, dport: 4789, vxlan)), vlans: [5, 6])
        let f = decode(frame, linkType: 1)
        #expect(f.error == nil)
        #expect(f.nesting == 4 && f.tunnelDepth == 1)
        #expect(f.path.layers == [.ethernet, .vlan, .vlan, .ipv4, .udp, .vxlan, .ethernet, .vlan, .ipv4, .udp])
    }

    /// Extension headers count toward the budget too: 16 of them after 4 tags is 20.
    @Test func extensionHeadersCount() {
        let src = [UInt8](repeating: 0, count: 15) + [1], dst = [UInt8](repeating: 0, count: 15) + [2]
        var chain: [UInt8] = []
        for i in 0..<IPv6.maximumExtensionHeaders {
            chain += [i == IPv6.maximumExtensionHeaders - 1 ? 17 : 60, 0, 1, 4, 0, 0, 0, 0]
        }
        let packet = Frames.ipv6(src: src, dst: dst, next: 60, chain + Frames.udp(sport: 1, dport: 9, [1]))
        let alone = decode(Frames.ethernet(type: 0x86DD, packet), linkType: 1)
        #expect(alone.error == nil && alone.nesting == 16)
        let tagged = decode(Frames.ethernet(type: 0x86DD, packet, vlans: [1, 2, 3, 4]), linkType: 1)
        #expect(tagged.error?.code == .limit && tagged.error?.layer == .ipv6)
    }

    /// Geneve's inner EtherType may be a tag too: the same loop and limits.
    @Test func tagsAfterGeneve() {
        let inner = Self.tags(6, then: 0x0800) + Self.udp
        let geneve: [UInt8] = [0, 0, 0x81, 0x00, 0, 0, 1, 0] + inner
        let frame = Frames.ethernet(
            type: 0x0800,
            Frames.ipv4(
                src: [192, 168, 0, 1], dst: [192, 168, 0, 2], proto: 17,
                Frames.udp(sport: 40000, dport: 6081, geneve)))
        let f = decode(frame, linkType: 1)
        #expect(f.error?.code == .limit && f.error?.layer == .vlan)
    }
}
