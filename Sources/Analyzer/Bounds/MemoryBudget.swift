import CaptureFormats

/// One memory budget for every table that grows with the input: each table's bound and what
/// one entry costs at most, in one place. The defaults below are chosen so that every table
/// full at once, with the process's fixed cost, stays within `defaultBytes`; `docs/bounds.md`
/// is generated from `tables` (`BoundsTableTests` fails when it differs), and each bound has
/// a hostile test that drives it past its bound (`HostileBoundsTests`, `scripts/hostile`).
///
/// Costs per entry are upper estimates from the types' layouts and from peak RSS under the
/// hostile capture that fills the table (`scripts/hostile`; a TCP connection flooded with
/// SYNs: 452 bytes measured with its analyses, rounded up).
public enum MemoryBudget {
    /// The whole budget: 256 MiB.
    public static let defaultBytes = 256 << 20
    /// The process before any table: runtime, code, the reader's buffer (1 MiB, growing to
    /// one record: 16 MiB), the DNS thread's ring (4 MiB), breakdowns and metric series.
    public static let fixedBytes = 48 << 20

    /// Live flows per table (`--max-flows`): the pass's, and DNS over UDP's own.
    public static let maximumFlows = 150_000
    /// DNS transactions waiting for a response.
    public static let dnsPending = 100_000
    /// IP datagrams being reassembled.
    public static let ipDatagrams = 128
    /// Bytes held past holes by TLS stream reassembly, over every connection.
    public static let streamBytes = 16 << 20
    /// The same for DNS over TCP.
    public static let dnsStreamBytes = 6 << 20
    /// DNS-over-TCP connections decoded at once, and their framing buffers' bytes.
    public static let dnsTCPConnections = 4096
    public static let dnsFramingBytes = 4 << 20

    public struct Table: Sendable {
        /// What the table holds.
        public var name: String
        /// Entries (or bytes, when `bytesEach` is 1) at most.
        public var bound: Int
        /// What the bound is in the code.
        public var constant: String
        /// Bytes per entry at most.
        public var bytesEach: Int
        /// What happens past the bound.
        public var whenReached: String
        public var bytes: Int { bound * bytesEach }
    }

    /// Every table, at the defaults.
    public static let tables: [Table] = [
        Table(
            name: "live flows, with their TCP, TLS and API-server state", bound: maximumFlows,
            constant: "MemoryBudget.maximumFlows (--max-flows)", bytesEach: 480,
            whenReached:
                "idle flows expired, then the least recently active of a fixed-sequence sample evicted; flowTable.evicted"),
        Table(
            name: "DNS-over-UDP conversations (the report's second table)", bound: maximumFlows,
            constant: "MemoryBudget.maximumFlows (--max-flows)", bytesEach: 96,
            whenReached: "as live flows"),
        Table(
            name: "DNS transactions pending", bound: dnsPending, constant: "MemoryBudget.dnsPending", bytesEach: 200,
            whenReached: "later queries not tracked, counted in a warning"),
        Table(
            name: "DNS lookups set aside by a later one with the same port and ID", bound: DNSAnalysis.maximumSuperseded,
            constant: "DNSAnalysis.maximumSuperseded", bytesEach: 200,
            whenReached: "closed unanswered at once, counted in a warning"),
        Table(
            name: "DNS question names told apart (bytes of names)", bound: 16 << 20,
            constant: "DNSNameTable (16 MiB of names, 262,144 names)", bytesEach: 1,
            whenReached: "later names read (name table full), counted in a warning"),
        Table(
            name: "DNS question names told apart (index)", bound: 1 << 18,
            constant: "ReportOptions.dnsNames", bytesEach: 24,
            whenReached: "as above"),
        Table(
            name: "DNS-over-TCP connections decoded", bound: dnsTCPConnections,
            constant: "MemoryBudget.dnsTCPConnections", bytesEach: 768,
            whenReached: "the oldest gives way, counted in a warning"),
        Table(
            name: "DNS-over-TCP framing buffers (bytes)", bound: dnsFramingBytes,
            constant: "MemoryBudget.dnsFramingBytes", bytesEach: 1,
            whenReached: "that direction's framing given up as after a gap (dns.tcpStreamGaps)"),
        Table(
            name: "DNS-over-TCP reassembly past holes (bytes)", bound: dnsStreamBytes,
            constant: "MemoryBudget.dnsStreamBytes", bytesEach: 1,
            whenReached: "the hole given up as a gap, counted in a warning"),
        Table(
            name: "TLS stream reassembly past holes (bytes; 64 more charged per segment)", bound: streamBytes,
            constant: "MemoryBudget.streamBytes", bytesEach: 1,
            whenReached: "the hole given up as a gap, counted in a warning"),
        Table(
            name: "IP datagrams in reassembly (65,575 bytes and a bit per byte each)", bound: ipDatagrams,
            constant: "MemoryBudget.ipDatagrams", bytesEach: 65_575 + 8_197 + 128,
            whenReached: "new datagrams dropped, counted in fragments.dropped"),
        Table(
            name: "plain HTTP requests waiting and exchanges, over API-server connections", bound: HTTPExchanges.totalLimit,
            constant: "HTTPExchanges.totalLimit", bytesEach: 160,
            whenReached: "not kept, counted"),
        Table(
            name: "cleartext HTTP connections read at once", bound: PlainHTTPConnections.maximumLive,
            constant: "PlainHTTPConnections.maximumLive", bytesEach: MemoryLayout<PlainHTTPStream>.stride + 64,
            whenReached: "later connections not read, counted in a warning"),
        Table(
            name: "cleartext HTTP requests and reader buffers over live connections (bytes)",
            bound: PlainHTTPConnections.maximumHeldBytes + HTTP2Conversation.maximumBuffered,
            constant: "PlainHTTPConnections.maximumHeldBytes (and one frame)", bytesEach: 1,
            whenReached: "the connection stops being read (its requests so far kept), counted in a warning"),
        Table(
            name: "packets within the sightings window (two generations of slots)", bound: 2 * SightingTable.maximumSlots,
            constant: "SightingTable.maximumSlots (per generation)", bytesEach: MemoryLayout<SightingTable.Slot>.stride,
            whenReached: "the generation ends early (a shorter window), counted in a warning"),
        Table(
            name: "packets held until seen at their flow's point (records)", bound: HeldSightings.maximumRecords,
            constant: "HeldSightings.maximumRecords", bytesEach: 128,
            whenReached: "the oldest analysed as first seen, counted in a warning"),
        Table(
            name: "packets held until seen at their flow's point (bytes)", bound: HeldSightings.maximumBytes,
            constant: "HeldSightings.maximumBytes", bytesEach: 1,
            whenReached: "as above"),
        Table(
            name: "records held to put a file of several interfaces in time order (records)", bound: TimeReorder.maximumRecords,
            constant: "TimeReorder.maximumRecords", bytesEach: 160,
            whenReached:
                "the earliest handed out before its window passed; a record then arriving older than one handed out goes out of order, counted in a warning"
        ),
        Table(
            name: "records held to put a file of several interfaces in time order (bytes)", bound: TimeReorder.maximumBytes,
            constant: "TimeReorder.maximumBytes", bytesEach: 1,
            whenReached: "as above"),
        Table(
            name: "TCP byte ranges first seen at each point (direct-mapped buckets)",
            bound: SegmentRanges.buckets * SegmentRanges.perBucket,
            constant: "SegmentRanges.buckets of SegmentRanges.perBucket",
            bytesEach: MemoryLayout<SegmentRanges.Entry>.stride + 2,
            whenReached:
                "a direction's oldest range gives way: copies of those bytes cut differently count as packets of their own"),
        Table(
            name: "flows' observation points (direct-mapped)", bound: FlowPoints.slots,
            constant: "FlowPoints.slots", bytesEach: 10,
            whenReached: "a flow on a taken slot takes it (the other flow's next packet picks its point again)"),
        Table(
            name: "flows whose NAT views are joined", bound: NATViews.limit, constant: "NATViews.limit", bytesEach: 112,
            whenReached: "later views not joined, counted in a warning"),
        Table(
            name: "addresses tallied per observation point (to name the pod behind it)",
            bound: PointAddresses.addressesPerPoint * PointAddresses.maximumPoints,
            constant: "PointAddresses.addressesPerPoint per point, first PointAddresses.maximumPoints points", bytesEach: 48,
            whenReached:
                "later addresses of that point not tallied (a pod's is in its veth's first packet); later points not named by pod"
        ),
        Table(
            name: "hops between observation points (each with its delays)", bound: PathTracker.maximumHops,
            constant: "PathTracker.maximumHops",
            bytesEach: MemoryLayout<PathTracker.Hop>.stride + 2 * CompactLatencyHistogram.chunks * 512 + 64,
            whenReached: "sightings on later hops not counted in path.hops, counted in a warning"),
        Table(
            name: "(flow, hop) rows of packets lost between points", bound: PathTracker.maximumLossRows,
            constant: "PathTracker.maximumLossRows", bytesEach: 128,
            whenReached: "later losses counted in their hop only, counted in a warning"),
        Table(
            name: "conversations' hops between points (direct-mapped)", bound: FlowPaths.slots,
            constant: "FlowPaths.slots", bytesEach: MemoryLayout<FlowPaths.Entry>.stride,
            whenReached:
                "a conversation on a taken slot takes it (the other's losses are not located until it crosses two points again)"),
    ]

    /// The tables' worst case and the fixed cost: at most `defaultBytes`.
    public static var worstCaseBytes: Int { fixedBytes + tables.reduce(0) { $0 + $1.bytes } }
}
