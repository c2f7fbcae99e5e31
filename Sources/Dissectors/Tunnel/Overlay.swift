/// Kubernetes overlay encapsulations: VXLAN (RFC 7348, UDP 4789 and Linux's old 8472,
/// used by flannel) and Geneve (RFC 8926, UDP 6081, used by OVN and Antrea). Both carry
/// an inner Ethernet frame whose headers are the pod traffic.
public enum Overlay {
    @inline(__always) public static func isVXLANPort(_ port: UInt16) -> Bool { port == 4789 || port == 8472 }
    public static let genevePort: UInt16 = 6081

    /// VXLAN: 0 flags (I = 0x08) | 1-3 reserved | 4-6 VNI | 7 reserved, then Ethernet.
    public static func vxlanPayload(_ bytes: ByteSlice) throws(DecodeError) -> ByteSlice {
        try bytes.require(8, .vxlan)
        guard bytes.u8(at: 0) & 0x08 != 0 else {
            throw DecodeError(.badValue, .vxlan, at: bytes.frameOffset, value: Int(bytes.u8(at: 0)))
        }
        return bytes.dropFirst(8)
    }

    /// Geneve: 0 version(2)|option length in 4-byte words(6) | 1 flags | 2-3 protocol type |
    /// 4-6 VNI | 7 reserved | options. Returns the protocol type and the inner bytes.
    public static func genevePayload(_ bytes: ByteSlice) throws(DecodeError) -> (protocolType: UInt16, inner: ByteSlice) {
        try bytes.require(8, .geneve)
        let version = bytes.u8(at: 0) >> 6
        guard version == 0 else { throw DecodeError(.badValue, .geneve, at: bytes.frameOffset, value: Int(version)) }
        let length = 8 + Int(bytes.u8(at: 0) & 0x3F) * 4
        try bytes.require(length, .geneve)
        return (bytes.u16(at: 2), bytes.dropFirst(length))
    }
}
