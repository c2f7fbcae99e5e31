import Dissectors
import Testing
import _TestSupport

/// The layer walk on hand-built frames whose every field is known.
struct FrameDecoderTests {
    static let clientIP: [UInt8] = [10, 244, 1, 17], serverIP: [UInt8] = [10, 96, 0, 10]
    static let mssAndSACK: [UInt8] = [2, 4, 0x05, 0xB4, 4, 2, 1, 1]
    static let tcpFrame = Frames.ethernet(
        type: 0x0800,
        Frames.ipv4(
            src: clientIP, dst: serverIP, proto: 6,
            Frames.tcp(
                sport: 43210, dport: 443, seq: 0xFFFF_FFF0, ack: 7, flags: 0x18, options: mssAndSACK,
                [0x16, 3, 1, 0, 5, 1, 2, 3, 4, 5])))

    func decode(_ bytes: [UInt8], linkType: UInt32 = 1, wire: Int? = nil) -> DecodedFrame {
        bytes.withUnsafeBytes { FrameDecoder.decode(linkType: linkType, bytes: $0, originalLength: wire ?? bytes.count) }
    }

    @Test func ethernetIPv4TCP() {
        let f = decode(Self.tcpFrame)
        #expect(f.error == nil)
        #expect(f.path.layers == [.ethernet, .ipv4, .tcp, .tls])
        #expect(f.source.text == "10.244.1.17" && f.destination.text == "10.96.0.10")
        #expect(f.sourcePort == 43210 && f.destinationPort == 443)
        #expect(f.sequenceNumber == 0xFFFF_FFF0 && f.acknowledgmentNumber == 7)
        #expect(f.tcpFlags == [.psh, .ack])
        #expect(f.tcpOptions.count == 8 && f.tcpOptions.u8(at: 0) == 2)
        #expect(f.payload.count == 10 && f.payloadDeclaredLength == 10)
        #expect(f.payload.frameOffset == 14 + 20 + 28)
    }

    @Test func qinqAndVLAN0() {
        let inner = Frames.ipv4(src: Self.clientIP, dst: Self.serverIP, proto: 17, Frames.udp(sport: 5353, dport: 5353, [0, 0]))
        let f = decode(Frames.ethernet(type: 0x0800, inner, vlans: [100, 0]))
        #expect(f.path.layers == [.ethernet, .vlan, .vlan, .ipv4, .udp, .dns])
        #expect(f.error == nil)
    }

    @Test func ipv6WithExtensionHeaders() {
        let src = [UInt8](repeating: 0, count: 15) + [1], dst: [UInt8] = [0xfd, 0x77] + [UInt8](repeating: 0, count: 13) + [2]
        // hop-by-hop (8 bytes, next = destination options), destination options (8 bytes, next = UDP)
        let hbh: [UInt8] = [60, 0, 1, 4, 0, 0, 0, 0], dopts: [UInt8] = [17, 0, 1, 4, 0, 0, 0, 0]
        let f = decode(
            Frames.ethernet(
                type: 0x86DD, Frames.ipv6(src: src, dst: dst, next: 0, hbh + dopts + Frames.udp(sport: 1, dport: 53, [9, 9]))))
        #expect(f.error == nil)
        #expect(f.path.layers == [.ethernet, .ipv6, .udp, .dns])
        #expect(f.source.text == "::1" && f.destination.text == "fd77::2")
        #expect(f.destination.endpoint(port: 53) == "[fd77::2]:53")
    }

    @Test func vxlanIsDecapsulated() {
        let pod = Frames.ethernet(
            type: 0x0800,
            Frames.ipv4(
                src: Self.clientIP, dst: Self.serverIP, proto: 6,
                Frames.tcp(sport: 5000, dport: 80, flags: 0x02)))
        let vxlan: [UInt8] = [0x08, 0, 0, 0, 0, 0, 42, 0] + pod
        let outer = Frames.ethernet(
            type: 0x0800,
            Frames.ipv4(
                src: [192, 168, 0, 1], dst: [192, 168, 0, 2], proto: 17,
                Frames.udp(sport: 40000, dport: 4789, vxlan)))
        let f = decode(outer)
        #expect(f.path.layers == [.ethernet, .ipv4, .udp, .vxlan, .ethernet, .ipv4, .tcp])
        #expect(f.source.text == "10.244.1.17" && f.destinationPort == 80 && f.tunnelDepth == 1)
    }

    @Test func geneveIsDecapsulated() {
        let pod = Frames.ethernet(
            type: 0x0800,
            Frames.ipv4(
                src: Self.clientIP, dst: Self.serverIP, proto: 17,
                Frames.udp(sport: 5000, dport: 53, [1])))
        // version 0, 1 option word; protocol 0x6558; VNI 7; then one 4-byte option
        let geneve: [UInt8] = [0x01, 0, 0x65, 0x58, 0, 0, 7, 0, 0, 0, 0, 0] + pod
        let outer = Frames.ethernet(
            type: 0x0800,
            Frames.ipv4(
                src: [192, 168, 0, 1], dst: [192, 168, 0, 2], proto: 17,
                Frames.udp(sport: 40000, dport: 6081, geneve)))
        let f = decode(outer)
        #expect(f.path.layers == [.ethernet, .ipv4, .udp, .geneve, .ethernet, .ipv4, .udp, .dns])
        #expect(f.destinationPort == 53)
    }

    /// Tunnels nested past the limit stop being peeled instead of recursing forever.
    @Test func tunnelDepthIsBounded() {
        var frame = Frames.ethernet(
            type: 0x0800,
            Frames.ipv4(
                src: Self.clientIP, dst: Self.serverIP, proto: 17,
                Frames.udp(sport: 1, dport: 2, [0])))
        for _ in 0..<10 {
            frame = Frames.ethernet(
                type: 0x0800,
                Frames.ipv4(
                    src: [1, 1, 1, 1], dst: [2, 2, 2, 2], proto: 17,
                    Frames.udp(sport: 9, dport: 4789, [0x08, 0, 0, 0, 0, 0, 1, 0] + frame)))
        }
        let f = decode(frame)
        #expect(Int(f.tunnelDepth) == FrameDecoder.maximumTunnelDepth)
        #expect(f.error == nil)
    }

    @Test func cookedNullRawAndNFLOG() {
        let ip = Frames.ipv4(src: Self.clientIP, dst: Self.serverIP, proto: 1, [8, 0, 0, 0])
        let sll: [UInt8] = [0, 0, 0, 1, 0, 6, 1, 2, 3, 4, 5, 6, 0, 0, 0x08, 0x00] + ip
        #expect(decode(sll, linkType: 113).path.layers == [.linuxSLL, .ipv4, .icmp])
        let sll2: [UInt8] = [0x08, 0x00, 0, 0, 0, 0, 0, 2, 0, 1, 0, 6, 1, 2, 3, 4, 5, 6, 0, 0] + ip
        #expect(decode(sll2, linkType: 276).path.layers == [.linuxSLL2, .ipv4, .icmp])
        #expect(decode(Frames.le32(2) + ip, linkType: 0).path.layers == [.null, .ipv4, .icmp])
        #expect(decode(Frames.be32(2) + ip, linkType: 0).path.layers == [.null, .ipv4, .icmp], "either byte order")
        #expect(decode(ip, linkType: 101).path.layers == [.raw, .ipv4, .icmp])
        // NFLOG: header, a prefix TLV (type 10), then the payload TLV (type 9).
        let prefix: [UInt8] = Frames.le16(8) + Frames.le16(10) + [65, 66, 67, 0]
        let payload: [UInt8] = Frames.le16(UInt16(4 + ip.count)) + Frames.le16(9) + ip
        let f = decode([2, 0, 0, 0] + prefix + payload, linkType: 239)
        #expect(f.path.layers == [.nflog, .ipv4, .icmp])
        #expect(decode([1, 2, 3], linkType: 160).path.layers == [.unknownLink])
    }

    @Test func fragmentsAreMarked() {
        let f = decode(
            Frames.ethernet(
                type: 0x0800,
                Frames.ipv4(
                    src: Self.clientIP, dst: Self.serverIP, proto: 17,
                    [1, 2, 3, 4, 5, 6, 7, 8], id: 9, moreFragments: true)))
        #expect(f.path.layers == [.ethernet, .ipv4, .fragment])
        #expect(f.fragment == IPv6.Fragment(identification: 9, offset: 0, more: true))
    }

    /// A UDP length of 0 (the zlip reproducer) is malformed, and nothing past it is payload.
    @Test func udpLengthBelowHeaderIsMalformed() {
        let f = decode(
            Frames.ethernet(
                type: 0x0800,
                Frames.ipv4(
                    src: Self.clientIP, dst: Self.serverIP, proto: 17,
                    Frames.udp(sport: 53, dport: 53, [1, 2, 3], length: 0))))
        #expect(f.isMalformed)
        #expect(f.error?.code == .badLength && f.error?.layer == .udp && f.error?.offset == 14 + 20 + 4)
        #expect(f.path.last == .malformed)
    }

    /// A header the snaplen cut is not malformed (tshark: "packet size limited during capture").
    @Test func snaplenCutIsNotMalformed() {
        let cut = Array(Self.tcpFrame.prefix(14 + 20 + 10))
        let f = decode(cut, wire: Self.tcpFrame.count)
        #expect(f.error?.code == .truncated)
        #expect(f.cutByCapture && !f.isMalformed)
        #expect(f.sourcePort == 43210, "ports survive a cut header")
        let same = decode(cut)
        #expect(same.isMalformed, "the same bytes with nothing cut are malformed")
    }

    /// Every prefix of every sample frame decodes without trapping; the error offset never
    /// points past the bytes given.
    @Test(arguments: 0..<FrameDecoderTests.samples.count)
    func truncatedAtEveryLength(_ sample: Int) {
        let (linkType, bytes) = Self.samples[sample]
        for n in 0..<bytes.count {
            let f = decode(Array(bytes.prefix(n)), linkType: linkType)
            if let e = f.error { #expect(e.offset <= n, "sample \(sample) prefix \(n): \(e)") }
        }
    }

    static let samples: [(UInt32, [UInt8])] = [
        (1, tcpFrame),
        (
            1,
            Frames.ethernet(
                type: 0x86DD,
                Frames.ipv6(
                    src: [UInt8](repeating: 1, count: 16), dst: [UInt8](repeating: 2, count: 16),
                    next: 44, [17, 0, 0, 1, 0, 0, 0, 5] + Frames.udp(sport: 1, dport: 2, [3])))
        ),
        (
            1,
            Frames.ethernet(
                type: 0x0800,
                Frames.ipv4(
                    src: clientIP, dst: serverIP, proto: 17,
                    Frames.udp(sport: 1, dport: 4789, [0x08, 0, 0, 0, 0, 0, 1, 0] + tcpFrame)), vlans: [5, 6])
        ),
        (113, [0, 0, 0, 1, 0, 6, 1, 2, 3, 4, 5, 6, 0, 0, 0x08, 0x00] + Array(tcpFrame.dropFirst(14))),
        (239, [2, 0, 0, 0] + Frames.le16(UInt16(4 + tcpFrame.count - 14)) + Frames.le16(9) + Array(tcpFrame.dropFirst(14))),
    ]

    /// A valid frame of each link type, the seed for mutation.
    static func seed(_ linkType: UInt32) -> [UInt8] {
        let ip = Array(tcpFrame.dropFirst(14))
        switch linkType {
        case 0: return Frames.le32(2) + ip
        case 108: return Frames.be32(2) + ip
        case 113: return [0, 0, 0, 1, 0, 6, 1, 2, 3, 4, 5, 6, 0, 0, 0x08, 0x00] + ip
        case 276: return [0x08, 0x00, 0, 0, 0, 0, 0, 2, 0, 1, 0, 6, 1, 2, 3, 4, 5, 6, 0, 0] + ip
        case 239: return [2, 0, 0, 0] + Frames.le16(UInt16(4 + ip.count)) + Frames.le16(9) + ip
        case 101, 228, 229: return ip
        default: return samples[2].1
        }
    }

    /// Seeded mutations (byte flips, cuts, junk tails) of a valid frame of every link
    /// type: never a trap, error offsets inside the frame (the never-trap property).
    @Test(arguments: [UInt32(0), 1, 101, 108, 113, 228, 229, 239, 276])
    func mutatedFramesNeverTrap(linkType: UInt32) {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15 &* UInt64(linkType + 1)
        func next() -> UInt64 {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            return state
        }
        let base = Self.seed(linkType)
        var reachedIP = 0
        for _ in 0..<20_000 {
            var bytes = base
            for _ in 0..<Int(next() % 4) {
                bytes[Int(next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: next())
            }
            if next() % 3 == 0 { bytes = Array(bytes.prefix(Int(next() % UInt64(bytes.count + 1)))) }
            if next() % 4 == 0 { bytes += (0..<Int(next() % 64)).map { _ in UInt8(truncatingIfNeeded: next()) } }
            let f = decode(bytes, linkType: linkType)
            if let e = f.error { #expect(e.offset <= bytes.count) }
            if f.path.contains(.ipv4) || f.path.contains(.ipv6) { reachedIP += 1 }
        }
        // The inputs must exercise the deep layers, not only the first length check.
        #expect(reachedIP > 200, "only \(reachedIP) of 20000 random frames reached an IP layer")
    }
}
