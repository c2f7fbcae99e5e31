/// UDP header (RFC 768): 0-1 source port | 2-3 destination port | 4-5 length | 6-7 checksum
public enum UDP {
    enum Field {
        static let sourcePort = 0..<2
        static let destinationPort = 2..<4
        static let length = 4..<6
    }
    static let headerLength = 8

    public struct View {
        public let bytes: ByteSlice
        public let length: Int

        /// `declaredLength` is the IP payload length the IP header claims: the UDP length
        /// may not exceed it (tshark: "Bad length value"), but may exceed what the snaplen
        /// kept. Bytes past the UDP length are never payload.
        public init(validating bytes: ByteSlice, declaredLength: Int) throws(DecodeError) {
            try bytes.require(UDP.headerLength, .udp)
            var length = Int(bytes.u16(at: Field.length.lowerBound))
            // 0 with a large IP payload is a jumbogram (RFC 2675) or offload: use the IP length.
            if length == 0 && declaredLength > 0xFFFF { length = declaredLength }
            guard length >= UDP.headerLength, length <= declaredLength else {
                throw DecodeError(
                    .badLength, .udp, at: bytes.frameOffset + Field.length.lowerBound, value: length,
                    limit: length < UDP.headerLength ? UDP.headerLength : declaredLength)
            }
            self.length = length
            self.bytes = bytes.prefix(length)
        }

        public var sourcePort: UInt16 { bytes.u16(at: Field.sourcePort.lowerBound) }
        public var destinationPort: UInt16 { bytes.u16(at: Field.destinationPort.lowerBound) }
        public var payload: ByteSlice { bytes.dropFirst(UDP.headerLength) }
    }
}
