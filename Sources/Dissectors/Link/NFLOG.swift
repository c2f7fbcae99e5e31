/// Linux NFLOG (LINKTYPE_NFLOG): a 4-byte header (family, version, resource id) and
/// TLVs of `length u16 | type u16 | value, padded to 4`, in host byte order (little-endian
/// on every capture host Loupe has met). The packet is TLV type 9, NFULA_PAYLOAD.
public enum NFLOG {
    static let headerLength = 4
    static let payloadType: UInt16 = 9
    /// TLVs to walk before giving up; a real message has a dozen.
    static let maximumTLVs = 64

    /// The IP version (from the family byte) and the packet bytes.
    public static func payload(_ bytes: ByteSlice) throws(DecodeError) -> (ipVersion: UInt8?, packet: ByteSlice) {
        try bytes.require(headerLength, .nflog)
        let family = bytes.u8(at: 0)
        var at = headerLength
        var seen = 0
        while at + 4 <= bytes.count {
            seen += 1
            guard seen <= maximumTLVs else {
                throw DecodeError(.limit, .nflog, at: bytes.frameOffset + at, value: seen, limit: maximumTLVs)
            }
            let length = Int(bytes.u16le(at: at)), type = bytes.u16le(at: at + 2) & 0x7FFF
            guard length >= 4, at + length <= bytes.count else {
                throw DecodeError(.badLength, .nflog, at: bytes.frameOffset + at, value: length, limit: bytes.count - at)
            }
            if type == payloadType {
                let packet = bytes.dropFirst(at + 4).prefix(length - 4)
                return (family == 2 ? 4 : family == 10 ? 6 : nil, packet)
            }
            at += (length + 3) & ~3
        }
        return (nil, bytes.dropFirst(bytes.count))
    }
}
