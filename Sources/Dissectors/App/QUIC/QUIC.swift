/// QUIC's long header (RFC 9000 17.2; version 2's packet types, RFC 9369 3.2): enough to
/// recognise QUIC on any UDP port and count packets by version. Payloads are encrypted and
/// left alone.
public enum QUIC {
    public static let version1: UInt32 = 0x0000_0001, version2: UInt32 = 0x6B33_43CF

    /// Versions this reader accepts as QUIC: 1, 2, IETF drafts (0xff0000xx), version
    /// negotiation (0) and the reserved greasing pattern (0x?a?a?a?a, RFC 9000 15).
    public static func isKnownVersion(_ v: UInt32) -> Bool {
        v == version1 || v == version2 || v == 0 || v >> 8 == 0xFF_0000 || v & 0x0F0F_0F0F == 0x0A0A_0A0A
    }

    /// Calls `packet` with the version of each coalesced long-header packet at the front of
    /// a datagram (a short-header packet, which has no length, ends the walk). Returns false,
    /// having called nothing, unless the datagram starts with a well-formed long header.
    @discardableResult
    public static func longHeaders(_ datagram: ByteSlice, _ packet: (UInt32) -> Void) -> Bool {
        var rest = datagram
        var first = true
        while rest.count > 0 {
            guard let (version, length) = longHeader(rest) else { return !first }
            first = false
            packet(version)
            guard length > 0 else { return true }  // Retry / version negotiation: to the end
            rest = rest.dropFirst(length)
        }
        return !first
    }

    /// The version and total length of the long-header packet at the front (0: it runs to
    /// the datagram's end), or nil when the bytes are not one.
    static func longHeader(_ p: ByteSlice) -> (UInt32, Int)? {
        guard p.count >= 7, p.u8(at: 0) & 0x80 != 0 else { return nil }
        let version = p.u32(at: 1)
        guard isKnownVersion(version) else { return nil }
        let dcid = Int(p.u8(at: 5))
        guard dcid <= 20, p.count >= 7 + dcid else { return nil }
        let scid = Int(p.u8(at: 6 + dcid))
        var at = 7 + dcid + scid
        guard scid <= 20, p.count >= at else { return nil }
        if version == 0 { return (version, 0) }
        guard p.u8(at: 0) & 0x40 != 0 else { return nil }  // the fixed bit (RFC 9000 17.2)
        let type = (p.u8(at: 0) >> 4) & 3
        // Initial, 0-RTT, Handshake, Retry in v1 are 0, 1, 2, 3; v2 rotates them by one.
        let kind = version == version2 ? (type &+ 3) & 3 : type
        if kind == 3 { return (version, 0) }  // Retry: no length field
        if kind == 0 {
            guard let (token, n) = varint(p, at), token <= UInt64(p.count) else { return nil }
            at += n + Int(token)
        }
        guard let (length, n) = varint(p, at) else { return nil }
        let end = at + n + Int(clamping: length)
        guard length <= UInt64(p.count), end <= p.count else { return nil }
        return (version, end)
    }

    /// A variable-length integer (RFC 9000 16) at `at`: value and bytes used.
    static func varint(_ p: ByteSlice, _ at: Int) -> (UInt64, Int)? {
        guard at < p.count else { return nil }
        let n = 1 << Int(p.u8(at: at) >> 6)
        guard at + n <= p.count else { return nil }
        var v = UInt64(p.u8(at: at) & 0x3F)
        for i in 1..<n { v = v << 8 | UInt64(p.u8(at: at + i)) }
        return (v, n)
    }
}
