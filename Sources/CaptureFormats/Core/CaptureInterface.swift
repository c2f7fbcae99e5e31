/// An interface a capture file describes (pcap: one implicit interface; pcapng: an IDB).
public struct CaptureInterface: Hashable, Sendable {
    /// 0-based section number (pcapng SHB), always 0 for pcap.
    public var section: Int
    /// Interface number inside its section, as EPBs refer to it.
    public var index: Int
    public var linkType: LinkType
    /// 0 means "no limit" (pcapng) or "not set".
    public var snapLength: UInt32
    public var name: String?
    public var description: String?
    public var comments: [String] = []
    /// Timestamp units per second (if_tsresol; 10^6 when absent).
    public var unitsPerSecond: UInt64 = 1_000_000
    /// Seconds added to every timestamp (if_tsoffset).
    public var offsetSeconds: Int64 = 0
    /// Frame check sequence bytes at the end of each packet, when declared.
    public var fcsLength: Int?
    /// From the last Interface Statistics Block, when present.
    public var statistics: InterfaceStatistics?

    public init(section: Int, index: Int, linkType: LinkType, snapLength: UInt32) {
        self.section = section
        self.index = index
        self.linkType = linkType
        self.snapLength = snapLength
    }
}

/// pcapng ISB counters (isb_ifrecv, isb_ifdrop, isb_osdrop, isb_filteraccept, isb_usrdeliv).
public struct InterfaceStatistics: Hashable, Sendable {
    public var received: UInt64?
    public var interfaceDropped: UInt64?
    public var osDropped: UInt64?
    public var filterAccepted: UInt64?
    public var delivered: UInt64?
    public init() {}

    /// Packets lost at capture: the interface's and the OS's drops together.
    public var dropped: UInt64? {
        switch (interfaceDropped, osDropped) {
        case (nil, nil): nil
        case let (a, b): (a ?? 0) &+ (b ?? 0)
        }
    }
}

/// A pcapng Section Header Block's facts.
public struct CaptureSection: Hashable, Sendable {
    public var bigEndian: Bool
    public var majorVersion: UInt16
    public var minorVersion: UInt16
    public var hardware: String?
    public var operatingSystem: String?
    public var application: String?
    public var comments: [String] = []
    public init(bigEndian: Bool, majorVersion: UInt16, minorVersion: UInt16) {
        self.bigEndian = bigEndian
        self.majorVersion = majorVersion
        self.minorVersion = minorVersion
    }
}

/// A pcapng Decryption Secrets Block, kept for the TLS analysis (e.g. a TLS key log).
public struct DecryptionSecret: Hashable, Sendable {
    /// secrets_type, e.g. 0x544c534b ("TLSK") for a TLS key log.
    public var type: UInt32
    public var data: [UInt8]

    public init(type: UInt32, data: [UInt8]) {
        self.type = type
        self.data = data
    }
}
