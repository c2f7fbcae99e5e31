/// pcapng block type codes (draft-ietf-opsawg-pcapng, section 10.1).
enum PcapngBlockType {
    static let sectionHeader: UInt32 = 0x0A0D_0D0A
    static let interfaceDescription: UInt32 = 1
    static let obsoletePacket: UInt32 = 2
    static let simplePacket: UInt32 = 3
    static let nameResolution: UInt32 = 4
    static let interfaceStatistics: UInt32 = 5
    static let enhancedPacket: UInt32 = 6
    static let decryptionSecrets: UInt32 = 10
    static let custom: UInt32 = 0x0000_0BAD
    static let customNoCopy: UInt32 = 0x4000_0BAD

    /// The SHB's byte-order magic, read in the file's byte order.
    static let byteOrderMagic: UInt32 = 0x1A2B_3C4D
}

/// How many blocks of each kind a pcapng file held (packets are counted elsewhere).
public struct PcapngBlockCounts: Hashable, Sendable {
    public var sectionHeaders = 0
    public var interfaceDescriptions = 0
    public var enhancedPackets = 0
    public var simplePackets = 0
    public var obsoletePackets = 0
    public var nameResolution = 0
    public var nameRecords = 0
    public var interfaceStatistics = 0
    public var decryptionSecrets = 0
    /// Custom blocks (0x00000BAD and 0x40000BAD), skipped.
    public var custom = 0
    /// Block types Loupe does not know, skipped.
    public var unknown = 0
    public init() {}
}
