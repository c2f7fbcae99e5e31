/// TCP header (RFC 9293).
///
///     0-1 source port  2-3 destination port  4-7 sequence  8-11 acknowledgment
///     12 data offset|reserved  13 flags  14-15 window  16-17 checksum  18-19 urgent
///     20.. options (data offset*4 - 20 bytes)
public enum TCP {
    enum Field {
        static let sourcePort = 0..<2
        static let destinationPort = 2..<4
        static let sequence = 4..<8
        static let acknowledgment = 8..<12
        static let dataOffset = 12
        static let flags = 13
        static let window = 14..<16
    }
    static let minimumHeaderLength = 20

    /// Flag bits of byte 13 (the ninth flag, AE/NS, lives in byte 12 and is ignored).
    public struct Flags: OptionSet, Hashable, Sendable {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        public static let fin = Flags(rawValue: 0x01), syn = Flags(rawValue: 0x02), rst = Flags(rawValue: 0x04)
        public static let psh = Flags(rawValue: 0x08), ack = Flags(rawValue: 0x10), urg = Flags(rawValue: 0x20)
        public static let ece = Flags(rawValue: 0x40), cwr = Flags(rawValue: 0x80)
    }

    public struct View {
        public let bytes: ByteSlice
        public let headerLength: Int

        public init(validating bytes: ByteSlice) throws(DecodeError) {
            try bytes.require(TCP.minimumHeaderLength, .tcp)
            let length = Int(bytes.u8(at: Field.dataOffset) >> 4) * 4
            guard length >= TCP.minimumHeaderLength else {
                throw DecodeError(
                    .badLength, .tcp, at: bytes.frameOffset + Field.dataOffset, value: length,
                    limit: TCP.minimumHeaderLength)
            }
            try bytes.require(length, .tcp)
            headerLength = length
            self.bytes = bytes
        }

        public var sourcePort: UInt16 { bytes.u16(at: Field.sourcePort.lowerBound) }
        public var destinationPort: UInt16 { bytes.u16(at: Field.destinationPort.lowerBound) }
        public var sequenceNumber: UInt32 { bytes.u32(at: Field.sequence.lowerBound) }
        public var acknowledgmentNumber: UInt32 { bytes.u32(at: Field.acknowledgment.lowerBound) }
        public var flags: Flags { Flags(rawValue: bytes.u8(at: Field.flags)) }
        public var window: UInt16 { bytes.u16(at: Field.window.lowerBound) }
        public var options: ByteSlice { bytes.prefix(headerLength).dropFirst(TCP.minimumHeaderLength) }
        public var payload: ByteSlice { bytes.dropFirst(headerLength) }
    }
}
