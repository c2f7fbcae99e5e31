import Dissectors

/// The conversations of DNS over UDP in a report, in a flow table of their own beside the
/// DNS analysis (on the DNS thread when there is one) instead of the pass's. A resolver
/// takes a fresh port for each lookup, so on a busy node these are most of the flows: in
/// the pass's table they were a tenth of the pass thread (measured on the standard
/// workload: the hash probe and first write of each new flow), and they crowded the TCP
/// connections' entries out of the cache. Counted exactly as the pass counts any flow, and
/// merged into its figures when the pass ends. It sweeps when the pass's table does, at the
/// same clock, so the same flows expire as in one table; `FlowTableStats.peakLive` is the
/// sum of the two tables' peaks, and each table has the `maximumFlows` cap.
struct DNSConversations {
    /// Narrow records (`CountedFlow`): these conversations are only counted.
    var flows: FlowTableOf<CountedFlow>
    var sink: ConversationSink

    /// UDP 5-tuples counted here: a DNS port on either side (53, mDNS 5353, LLMNR 5355; the
    /// decoder's DNS ports), so every packet of a conversation lands in the same table, and
    /// IPv4 (what a `CountedFlow` holds; IPv6 ones stay in the pass's table).
    @inline(__always)
    static func takes(_ key: FlowKey) -> Bool {
        func dns(_ port: UInt16) -> Bool { port == 53 || port == 5353 || port == 5355 }
        return (dns(key.lowPort) || dns(key.highPort)) && CountedFlow.holds(key)
    }

    init(limits: FlowLimits, rows: Int, attribution: AttributionCounter?, natPairs: ServiceNATPairs?) {
        flows = FlowTableOf(limits: limits)
        flows.sweepsItself = false
        sink = ConversationSink(conversations: TopK(capacity: rows), attribution: attribution, natPairs: natPairs)
    }

    /// Starts loading the slot `key` hashes to. Mutating so that a caller holding this in a
    /// class property reaches it in place (a non-mutating call copied it, arrays retained).
    @inline(__always)
    mutating func prefetch(_ key: FlowKey) { flows.prefetch(key) }

    /// One frame of the conversation (`frame.conversation` is set).
    mutating func count(_ frame: DNSFrame, _ c: DNSFrame.Conversation) {
        Self.count(frame, c, &flows, &sink)
    }

    /// The table and the sink as two parameters: the expiry closure mutates the sink while
    /// the table is being looked up.
    private static func count(
        _ frame: DNSFrame, _ c: DNSFrame.Conversation, _ flows: inout FlowTableOf<CountedFlow>,
        _ sink: inout ConversationSink
    ) {
        flows.follow(sweptAt: c.sweptAt) { sink.finished($0.flow) }
        let (i, isNew) = flows.lookup(frame.key, time: frame.time, clock: c.clock, serial: c.serial) { sink.finished($0.flow) }
        let fromLow = frame.fromLow, time = frame.time, timestamp = frame.timestamp, length = c.wireLength
        flows.update(i) { flow in
            CapturePass.count(&flow, isNew: isNew, fromLow: fromLow, time: time, timestamp: timestamp, length: length)
        }
    }

    /// End of capture: the pass's last sweep (`lastSweep`, which no frame here may have
    /// followed yet), then every live conversation finishes.
    mutating func drain(after lastSweep: Int64) {
        Self.drain(after: lastSweep, &flows, &sink)
    }

    private static func drain(after lastSweep: Int64, _ flows: inout FlowTableOf<CountedFlow>, _ sink: inout ConversationSink) {
        flows.drain(after: lastSweep) { sink.finished($0.flow) }
    }
}
