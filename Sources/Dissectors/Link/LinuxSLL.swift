/// Linux "cooked" captures (`tcpdump -i any`).
public enum LinuxSLL {
    /// SLL v1 (LINKTYPE_LINUX_SLL, 16 bytes):
    /// 0-1 packet type | 2-3 ARPHRD type | 4-5 address length | 6-13 address | 14-15 protocol
    public static let headerLength = 16
    /// SLL v2 (LINKTYPE_LINUX_SLL2, 20 bytes):
    /// 0-1 protocol | 2-3 reserved | 4-7 interface index | 8-9 ARPHRD | 10 packet type |
    /// 11 address length | 12-19 address
    public static let v2HeaderLength = 20

    /// ARPHRD_NETLINK: the payload is a netlink message, not a network packet.
    static let arphrdNetlink: UInt16 = 824

    public struct View {
        public let bytes: ByteSlice
        public let isVersion2: Bool
        public init(validating bytes: ByteSlice, version2: Bool) throws(DecodeError) {
            try bytes.require(
                version2 ? LinuxSLL.v2HeaderLength : LinuxSLL.headerLength,
                version2 ? .linuxSLL2 : .linuxSLL)
            self.bytes = bytes
            isVersion2 = version2
        }
        /// An EtherType (or a Linux protocol number for non-Ethernet ARPHRD types).
        public var protocolType: UInt16 { bytes.u16(at: isVersion2 ? 0 : 14) }
        /// v2 only: the capturing host's interface index (bytes 4-7).
        public var interfaceIndex: Int32 { isVersion2 ? Int32(bitPattern: bytes.u32(at: 4)) : -1 }
        public var arphrdType: UInt16 { bytes.u16(at: isVersion2 ? 8 : 2) }
        public var payload: ByteSlice { bytes.dropFirst(isVersion2 ? LinuxSLL.v2HeaderLength : LinuxSLL.headerLength) }
    }
}
