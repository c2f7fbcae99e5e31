/// Where the packets were seen and how often (`Sightings` in the pass): present in a report
/// when the inputs had more than one observation point or a packet was seen twice; absent
/// (not null) otherwise, so captures taken at one point keep their reports.
public struct SightingsSection: Codable, Sendable, Equatable {
    /// IP packets the analyses saw (each once).
    public var distinctPackets: Int
    /// Later sightings of those packets at other points (left out of the analyses).
    public var extraSightings: Int
    /// Copies at the point that already saw the packet, within the duplicate window.
    public var captureDuplicates: Int
    /// Flows whose views before and after NAT were joined.
    public var natPairs: Int
    public var points: RowList<ObservationPointRow>
    public var nodes: RowList<NodeClockRow>

    public init(
        distinctPackets: Int, extraSightings: Int, captureDuplicates: Int, natPairs: Int,
        points: RowList<ObservationPointRow>, nodes: RowList<NodeClockRow>
    ) {
        self.distinctPackets = distinctPackets
        self.extraSightings = extraSightings
        self.captureDuplicates = captureDuplicates
        self.natPairs = natPairs
        self.points = points
        self.nodes = nodes
    }
}

public struct ObservationPointRow: Codable, Sendable, Equatable {
    /// "node:interface".
    public var id: String
    public var node: String
    public var interface: String
    /// "namespace/name" of the pod whose interface this is, when known.
    @Null public var pod: String?
    /// IP packets seen at this point, copies included.
    public var packets: Int

    public init(id: String, node: String, interface: String, pod: String?, packets: Int) {
        self.id = id
        self.node = node
        self.interface = interface
        self.pod = pod
        self.packets = packets
    }
}

public struct NodeClockRow: Codable, Sendable, Equatable {
    public var name: String
    /// Seconds: this node's clock minus the first node's (ahead: positive); null when not
    /// estimated.
    @Null public var clockOffset: Double?
    /// Seconds: half the one-way delays' asymmetry bounds the offset's error; null when not
    /// estimated.
    @Null public var clockOffsetError: Double?

    public init(name: String, clockOffset: Double?, clockOffsetError: Double?) {
        self.name = name
        self.clockOffset = clockOffset
        self.clockOffsetError = clockOffsetError
    }
}
