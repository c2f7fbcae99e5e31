/// Hand-built frames for unit tests. Each is spelled out byte by byte so the tests can
/// say exactly what they expect; checksums are left zero (Loupe never checks them).
public enum Frames {
    public static func ethernet(type: UInt16, _ payload: [UInt8], vlans: [UInt16] = []) -> [UInt8] {
        var b: [UInt8] = [0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01]
        for (i, vid) in vlans.enumerated() {
            let tpid: UInt16 = i == 0 && vlans.count > 1 ? 0x88A8 : 0x8100
            b += be16(tpid) + be16(vid)
        }
        return b + be16(type) + payload
    }

    public static func ipv4(
        src: [UInt8], dst: [UInt8], proto: UInt8, _ payload: [UInt8], id: UInt16 = 1,
        fragmentOffset: Int = 0, moreFragments: Bool = false, totalLength: Int? = nil
    ) -> [UInt8] {
        let flags = UInt16(fragmentOffset / 8) | (moreFragments ? 0x2000 : 0)
        var b: [UInt8] = [0x45, 0]
        b += be16(UInt16(totalLength ?? 20 + payload.count))
        b += be16(id)
        b += be16(flags)
        b += [64, proto, 0, 0]
        return b + src + dst + payload
    }

    public static func ipv6(src: [UInt8], dst: [UInt8], next: UInt8, _ payload: [UInt8]) -> [UInt8] {
        var b: [UInt8] = [0x60, 0, 0, 0]
        b += be16(UInt16(payload.count))
        b += [next, 64]
        return b + src + dst + payload
    }

    public static func tcp(
        sport: UInt16, dport: UInt16, seq: UInt32 = 1000, ack: UInt32 = 0, flags: UInt8,
        options: [UInt8] = [], _ payload: [UInt8] = []
    ) -> [UInt8] {
        let offset = UInt8((20 + options.count) / 4) << 4
        var b = be16(sport) + be16(dport)
        b += be32(seq)
        b += be32(ack)
        b += [offset, flags]
        b += be16(65535)
        b += [0, 0, 0, 0]
        return b + options + payload
    }

    public static func udp(sport: UInt16, dport: UInt16, _ payload: [UInt8], length: Int? = nil) -> [UInt8] {
        be16(sport) + be16(dport) + be16(UInt16(length ?? 8 + payload.count)) + [0, 0] + payload
    }

    public static func be16(_ v: UInt16) -> [UInt8] { [UInt8(v >> 8), UInt8(v & 0xFF)] }
    public static func be32(_ v: UInt32) -> [UInt8] {
        [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)]
    }
    public static func le16(_ v: UInt16) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8)] }
    public static func le32(_ v: UInt32) -> [UInt8] {
        [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v >> 16 & 0xFF), UInt8(v >> 24)]
    }

    /// A little-endian classic pcap file (microseconds unless `nanosecond`).
    public static func pcapFile(
        linkType: UInt32 = 1, snaplen: UInt32 = 65535, nanosecond: Bool = false,
        bigEndian: Bool = false,
        records: [(seconds: UInt32, fraction: UInt32, data: [UInt8], original: Int?)]
    ) -> [UInt8] {
        func u32(_ v: UInt32) -> [UInt8] { bigEndian ? be32(v) : le32(v) }
        func u16(_ v: UInt16) -> [UInt8] { bigEndian ? be16(v) : le16(v) }
        var b: [UInt8] = u32(nanosecond ? 0xA1B2_3C4D : 0xA1B2_C3D4)
        b += u16(2)
        b += u16(4)
        b += u32(0)
        b += u32(0)
        b += u32(snaplen)
        b += u32(linkType)
        for r in records {
            b += u32(r.seconds)
            b += u32(r.fraction)
            b += u32(UInt32(r.data.count))
            b += u32(UInt32(r.original ?? r.data.count))
            b += r.data
        }
        return b
    }
}
