/// One kernel event as an NDJSON record (`RecordLine`, `kernelEvent`): as the agent wrote it
/// in `events.jsonl` (`docs/reference.md`, "Bundle").
public struct KernelEventRow: Codable, Sendable, Equatable {
    /// `retransmit`, `state` or `drop`.
    public var kind: String
    /// Seconds since the epoch.
    public var timestamp: Double
    @Null public var source: String?
    @Null public var destination: String?
    @Null public var transport: String?
    @Null public var reason: String?
    @Null public var fromState: String?
    @Null public var toState: String?
    @Null public var smoothedRtt: Double?
    @Null public var sequence: Int?
    @Null public var error: Int?
    public var bytes: Int
    public var netns: UInt64
    public var cgroup: UInt64

    public init(kind: String, timestamp: Double, bytes: Int, netns: UInt64, cgroup: UInt64) {
        self.kind = kind
        self.timestamp = timestamp
        self.bytes = bytes
        self.netns = netns
        self.cgroup = cgroup
    }
}
