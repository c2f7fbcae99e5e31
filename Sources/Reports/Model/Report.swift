import Foundation

/// What `loupe report` writes: the capture's own facts, then one section per analysis.
/// Keys are part of Loupe's interface (README "report JSON"); add, never rename.
public struct Report: Codable, Sendable, Equatable {
    public var schema = "loupe.report/1"
    /// The problems that matter, capture quality first (`FindingsBuilder`).
    public var findings: [Finding] = []
    public var inputs: [InputSummary]
    public var packets: Int
    public var bytes: Int
    @Null public var filter: String?
    public var matchedPackets: Int
    public var malformedPackets: Int
    public var flowTable: FlowTableStats
    public var warnings: [String]
    /// Observation points and copies (`SightingsSection`): absent for a capture taken at one
    /// point without copies.
    public var sightings: SightingsSection?
    /// Hops between observation points and packets lost between them (`PathSection`):
    /// absent unless some packet was seen at two points.
    public var path: PathSection?
    public var tcp: TCPSection
    public var dns: DNSSection
    public var tls: TLSSection
    public var attribution = AttributionSection()
    /// Per pod, most traffic first, at most `--rows` (the rest in `podsOmitted`); then the same
    /// folded per workload and per namespace.
    public var pods: [PodRow] = []
    public var podsOmitted = 0
    public var workloads: [PodRow] = []
    public var namespaces: [PodRow] = []
    public var apiServer = APIServerSection()
    /// HTTP read in full between any endpoints (`HTTPSection`); absent without TLS keys
    /// unless cleartext HTTP was read.
    public var http: HTTPSection?
    /// ICMP and ICMPv6 (`ICMPSection`); absent where the report was not asked of the pass.
    public var icmp: ICMPSection?
    /// The kernel's view (a bundle with `events.jsonl`), null otherwise.
    @Null public var kernel: KernelSection?

    public init(
        inputs: [InputSummary], packets: Int, bytes: Int, filter: String?, matchedPackets: Int,
        malformedPackets: Int, flowTable: FlowTableStats, warnings: [String], tcp: TCPSection,
        dns: DNSSection, tls: TLSSection
    ) {
        self.inputs = inputs
        self.packets = packets
        self.bytes = bytes
        self.filter = filter
        self.matchedPackets = matchedPackets
        self.malformedPackets = malformedPackets
        self.flowTable = flowTable
        self.warnings = warnings
        self.tcp = tcp
        self.dns = dns
        self.tls = tls
    }
}
