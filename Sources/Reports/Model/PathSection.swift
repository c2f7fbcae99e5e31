/// The path between observation points (issue 25): per hop the packets seen at both points and
/// their delays, and the packets that reached a point and never the next one their flow goes
/// to. Present beside `sightings` when some packet was seen at two points; absent otherwise.
public struct PathSection: Codable, Sendable, Equatable {
    /// Most packets first.
    public var hops: RowList<PathHopRow>
    /// Per flow and hop, most packets first.
    public var losses: RowList<PathLossRow>
    /// Packets not seen at the next point of their flow that are not counted as lost because
    /// that point cannot tell: its capture reported dropping packets, or was not capturing
    /// then (it started later or had stopped).
    public var unverified: Int

    public init(hops: RowList<PathHopRow>, losses: RowList<PathLossRow>, unverified: Int) {
        self.hops = hops
        self.losses = losses
        self.unverified = unverified
    }
}

/// One hop: a point (`from`, "node:interface") and the next point (`to`) that saw the same
/// packets.
public struct PathHopRow: Codable, Sendable, Equatable {
    public var from: String
    public var to: String
    /// Packets seen at `from` and then at `to`.
    public var packets: Int
    /// Seconds from the sighting at `from` to the one at `to`; between nodes, corrected by
    /// their estimated clock offset (`sightings.nodes`), within `delayError`.
    public var delay: Percentiles
    /// Seconds: the clock offset's error bound between two nodes (0 on one node); null when
    /// the offset is unknown (the delays are then in the two nodes' own clocks).
    @Null public var delayError: Double?
    /// Packets that reached `from`, went no further, and whose flow's packets go on to `to`.
    public var lost: Int

    public init(from: String, to: String, packets: Int, delay: Percentiles, delayError: Double?, lost: Int) {
        self.from = from
        self.to = to
        self.packets = packets
        self.delay = delay
        self.delayError = delayError
        self.lost = lost
    }
}

/// A flow's packets lost between two points.
public struct PathLossRow: Codable, Sendable, Equatable {
    /// "ip:port" of the flow's client (the source of its first packet seen at two points)
    /// and server.
    public var client: String
    public var server: String
    @Null public var clientPod: String?
    @Null public var serverPod: String?
    public var from: String
    public var to: String
    public var packets: Int
    /// The kernel's drop events on this flow (a bundle's `events.jsonl`), by reason; the
    /// reasons that say nothing of a path (`FindingsBuilder.unremarkableDrops`) left out.
    public var kernelReasons: [String: Int]

    public init(
        client: String, server: String, clientPod: String?, serverPod: String?, from: String, to: String,
        packets: Int, kernelReasons: [String: Int]
    ) {
        self.client = client
        self.server = server
        self.clientPod = clientPod
        self.serverPod = serverPod
        self.from = from
        self.to = to
        self.packets = packets
        self.kernelReasons = kernelReasons
    }
}
