/// BSD loopback encapsulations: LINKTYPE_NULL (a 4-byte address family in the *capturing
/// host's* byte order) and LINKTYPE_LOOP (the same, always big-endian).
public enum NullLoopback {
    public static let headerLength = 4

    /// Address family of the payload, or nil when the value names no IP version.
    /// AF_INET is 2 everywhere; AF_INET6 is 10 (Linux), 24 (NetBSD/OpenBSD), 28 (FreeBSD),
    /// 30 (macOS) — all accepted, in either byte order for NULL.
    public static func ipVersion(_ bytes: ByteSlice, alwaysBigEndian: Bool) throws(DecodeError) -> UInt8? {
        try bytes.require(headerLength, .null)
        let be = bytes.u32(at: 0)
        let family = alwaysBigEndian ? be : (be > 0xFFFF ? be.byteSwapped : be)
        switch family {
        case 2: return 4
        case 10, 24, 28, 30: return 6
        default: return nil
        }
    }
}
