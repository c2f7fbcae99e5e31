import Foundation

/// What `loupe summary` reports: capinfos, `tshark -z io,phs` and `-z conv` in one model.
/// Keys are part of Loupe's interface (README "summary JSON"); add, never rename.
public struct SummaryReport: Codable, Sendable, Equatable {
    public var schema = "loupe.summary/1"
    public var inputs: [InputSummary]
    /// Packets over all inputs (file records, before any filter).
    public var packets: Int
    /// Wire bytes over all inputs.
    public var bytes: Int
    /// The BPF filter applied, and how many packets it kept (null without a filter).
    @Null public var filter: String?
    public var matchedPackets: Int
    /// Protocol hierarchy over the packets kept: one row per layer path, depth-first.
    public var protocols: [ProtocolRow]
    /// Frames that contain each layer at least once (tshark's per-protocol frame count),
    /// by the layer names of `protocols`.
    public var layerFrames: [String: Int]
    public var conversations: RowList<ConversationRow>
    public var flowTable: FlowTableStats
    /// Frames some layer of which could not be decoded (`_ws.malformed`).
    public var malformedPackets: Int
    public var fragments: FragmentStats
    public var warnings: [String]
    /// The nodes bundles name (a Retina capture's, loupe-agent's), with their addresses.
    public var nodes: [NodeAddresses] = []

    public init(
        inputs: [InputSummary], packets: Int, bytes: Int, filter: String?, matchedPackets: Int,
        protocols: [ProtocolRow], layerFrames: [String: Int], conversations: RowList<ConversationRow>, flowTable: FlowTableStats,
        malformedPackets: Int, fragments: FragmentStats, warnings: [String]
    ) {
        self.inputs = inputs
        self.packets = packets
        self.bytes = bytes
        self.filter = filter
        self.matchedPackets = matchedPackets
        self.protocols = protocols
        self.layerFrames = layerFrames
        self.conversations = conversations
        self.flowTable = flowTable
        self.malformedPackets = malformedPackets
        self.fragments = fragments
        self.warnings = warnings
    }
}

/// One capture file.
public struct InputSummary: Codable, Sendable, Equatable {
    public var path: String
    /// "pcap" or "pcapng"; null when the file could not be read at all.
    @Null public var format: String?
    /// "none", "gzip" or "zstd", found from the first bytes.
    public var compression: String
    public var packets: Int
    /// Sum of original (wire) lengths.
    public var bytes: Int
    /// Sum of captured lengths.
    public var capturedBytes: Int
    /// Packets the snaplen cut (captured < wire length).
    public var snaplenCutPackets: Int
    /// pcap records longer than the file header's snaplen (within the link type's maximum),
    /// read whole as tshark reads them.
    public var oversizedRecords: Int
    /// Link types of the file's interfaces, by libpcap name ("EN10MB", "LINUX_SLL", ...).
    public var linkTypes: [String]
    /// Timestamps of the first and last packet in file order, seconds since the epoch
    /// (exact decimals); null when unknown.
    @Null public var firstTimestamp: Decimal?
    @Null public var lastTimestamp: Decimal?
    /// Latest minus earliest timestamp, seconds.
    @Null public var duration: Double?
    public var sections: Int
    public var interfaces: [InterfaceSummary]
    /// Packets the capture itself lost, from pcapng statistics blocks (null when none).
    @Null public var captureDrops: Int?
    @Null public var damage: DamageSummary?
    public var warnings: [String]

    public init(
        path: String, format: String?, compression: String, packets: Int, bytes: Int, capturedBytes: Int,
        snaplenCutPackets: Int, oversizedRecords: Int = 0, linkTypes: [String], firstTimestamp: Decimal?, lastTimestamp: Decimal?,
        duration: Double?, sections: Int, interfaces: [InterfaceSummary], captureDrops: Int?,
        damage: DamageSummary?, warnings: [String]
    ) {
        self.path = path
        self.format = format
        self.compression = compression
        self.packets = packets
        self.bytes = bytes
        self.capturedBytes = capturedBytes
        self.snaplenCutPackets = snaplenCutPackets
        self.oversizedRecords = oversizedRecords
        self.linkTypes = linkTypes
        self.firstTimestamp = firstTimestamp
        self.lastTimestamp = lastTimestamp
        self.duration = duration
        self.sections = sections
        self.interfaces = interfaces
        self.captureDrops = captureDrops
        self.damage = damage
        self.warnings = warnings
    }
}

public struct InterfaceSummary: Codable, Sendable, Equatable {
    public var section: Int
    @Null public var name: String?
    public var linkType: String
    public var snapLength: Int
    public var packets: Int
    /// From the statistics block: packets the interface received and dropped.
    @Null public var received: Int?
    @Null public var dropped: Int?

    public init(
        section: Int, name: String?, linkType: String, snapLength: Int, packets: Int, received: Int?,
        dropped: Int?
    ) {
        self.section = section
        self.name = name
        self.linkType = linkType
        self.snapLength = snapLength
        self.packets = packets
        self.received = received
        self.dropped = dropped
    }
}

/// Where reading stopped: the byte offset in the (decompressed) file, and why.
public struct DamageSummary: Codable, Sendable, Equatable {
    public var offset: Int
    public var message: String
    public init(offset: Int, message: String) {
        self.offset = offset
        self.message = message
    }
}

/// A node of the protocol hierarchy, e.g. `eth:ip:tcp` at depth 3.
public struct ProtocolRow: Codable, Sendable, Equatable {
    public var path: String
    public var protocolName: String
    public var depth: Int
    public var packets: Int
    public var bytes: Int
    public init(path: String, protocolName: String, depth: Int, packets: Int, bytes: Int) {
        self.path = path
        self.protocolName = protocolName
        self.depth = depth
        self.packets = packets
        self.bytes = bytes
    }
    enum CodingKeys: String, CodingKey {
        case path, protocolName = "protocol", depth, packets, bytes
    }
}

/// A conversation (bidirectional 5-tuple).
public struct ConversationRow: Codable, Sendable, Equatable {
    /// Deterministic: the transport, endpoints and first timestamp.
    public var id: String
    public var transport: String
    public var client: String
    public var server: String
    public var firstTimestamp: Decimal
    public var duration: Double
    public var packets: Int
    public var bytes: Int
    public var packetsFromClient: Int
    public var bytesFromClient: Int
    public var packetsFromServer: Int
    public var bytesFromServer: Int

    public init(
        id: String, transport: String, client: String, server: String, firstTimestamp: Decimal,
        duration: Double, packets: Int, bytes: Int, packetsFromClient: Int, bytesFromClient: Int,
        packetsFromServer: Int, bytesFromServer: Int
    ) {
        self.id = id
        self.transport = transport
        self.client = client
        self.server = server
        self.firstTimestamp = firstTimestamp
        self.duration = duration
        self.packets = packets
        self.bytes = bytes
        self.packetsFromClient = packetsFromClient
        self.bytesFromClient = bytesFromClient
        self.packetsFromServer = packetsFromServer
        self.bytesFromServer = bytesFromServer
    }
}

/// A capped list: the first `rows`, and how many were left out.
public struct RowList<Row: Codable & Sendable & Equatable>: Codable, Sendable, Equatable {
    public var total: Int
    public var omitted: Int
    public var rows: [Row]
    public init(total: Int, rows: [Row]) {
        self.total = total
        self.rows = rows
        omitted = total - rows.count
    }
}

public struct FlowTableStats: Codable, Sendable, Equatable {
    public var flows: Int
    public var peakLive: Int
    public var expired: Int
    /// Flows pushed out because the live-flow cap was reached: nonzero means the
    /// conversation counts are incomplete.
    public var evicted: Int
    public var maximumLive: Int
    public init(flows: Int, peakLive: Int, expired: Int, evicted: Int, maximumLive: Int) {
        self.flows = flows
        self.peakLive = peakLive
        self.expired = expired
        self.evicted = evicted
        self.maximumLive = maximumLive
    }
}

public struct FragmentStats: Codable, Sendable, Equatable {
    public var reassembled: Int
    public var incomplete: Int
    public var overlaps: Int
    public var dropped: Int
    public init(reassembled: Int, incomplete: Int, overlaps: Int, dropped: Int) {
        self.reassembled = reassembled
        self.incomplete = incomplete
        self.overlaps = overlaps
        self.dropped = dropped
    }
}
