/// ICMP (RFC 792) and ICMPv6 (RFC 4443) share the first four bytes:
/// 0 type | 1 code | 2-3 checksum.
public enum ICMP {
    static let headerLength = 4

    public struct View {
        public let bytes: ByteSlice
        public init(validating bytes: ByteSlice, layer: LayerID) throws(DecodeError) {
            try bytes.require(ICMP.headerLength, layer)
            self.bytes = bytes
        }
        public var type: UInt8 { bytes.u8(at: 0) }
        public var code: UInt8 { bytes.u8(at: 1) }
    }
}
