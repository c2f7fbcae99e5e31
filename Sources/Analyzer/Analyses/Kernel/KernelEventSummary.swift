import Bundles
import CaptureFormats
import Dissectors
import Reports

/// A bundle's kernel events (`events.jsonl`), folded as they are read: retransmissions per
/// connection, state transitions, drops by reason. Read before the capture pass, so the TCP
/// analysis can count the wire's retransmissions on exactly the connections the kernel
/// retransmitted on (`TCPAnalysis.kernelWatch`). Bounded: at most `connectionLimit`
/// connections and `groupLimit` reasons or transitions are kept apart (the rest counted).
struct KernelEventSummary {
    struct Connection {
        var sender: String
        var receiver: String
        var retransmissions = 0
        var smoothedRtt: Double?
        var netns: UInt64 = 0
    }

    static let connectionLimit = 100_000
    static let groupLimit = 1_000

    var files: [String] = []
    var headers: [KernelEventLog.Header] = []
    var events = 0
    var retransmissions = 0
    var failedRetransmissions = 0
    /// Retransmissions whose connection could not be keyed (no addresses, past the limit).
    var unkeyedRetransmissions = 0
    var connections: [FlowKey: Connection] = [:]
    var transitions: [String: Int] = [:]
    var drops = 0
    var dropBytes = 0
    var reasons: [String: (count: Int, bytes: Int)] = [:]
    /// Drops per conversation (its packets' addresses, ports and protocol), by reason: what
    /// the report's path losses are joined with. At most `connectionLimit` conversations.
    var dropsByFlow: [FlowKey: [String: Int]] = [:]
    var warnings: [String] = []

    /// With a metrics format: Retina's drop series, recorded as the drops are read.
    var dropSeries: KernelDropSeries?

    /// `--format ndjson`: every event as a record, its id its file's name and its place there.
    let records: RecordWriter?
    private var recordFile = "", recordOrdinal = 0

    /// `shifts`: per file, nanoseconds subtracted from its events' times (its node's clock
    /// brought onto the first node's, as its packets are: `ClockPrescan`); empty: none.
    init(
        paths: [String], shifts: [Int64] = [], dropSeries: KernelDropSeries? = nil, records: RecordWriter? = nil
    ) throws(CaptureOpenError) {
        self.dropSeries = dropSeries
        self.records = records
        for (i, path) in paths.enumerated() {
            (recordFile, recordOrdinal) = (path.split(separator: "/").last.map(String.init) ?? path, 0)
            files.append(path)
            let shift = i < shifts.count ? Double(shifts[i]) / 1e9 : 0
            let header = try KernelEventLog.read(path: path) { e in
                guard shift != 0 else { return add(e) }
                var shifted = e
                shifted.time -= shift
                add(shifted)
            }
            headers.append(header)
            if !header.complete {
                warnings.append("\(path): kernel event file ends without its stop line (the agent did not finish it)")
            }
            if header.badLineCount > 0 {
                warnings.append(
                    "\(path): \(header.badLineCount) lines not read as kernel events (first: \(header.badLines.first ?? ""))")
            }
            if header.lost > 0 { warnings.append("\(path): the kernel lost \(header.lost) events (its ring buffer was full)") }
            if header.skipped > 0 {
                warnings.append(
                    "\(path): \(header.skipped) events not written: the file reached its size limit (the rotation size or --bytes)"
                )
            }
        }
    }

    /// The flow key of an event's two endpoints, when both parse (TCP unless the event names
    /// another transport: retransmissions and state changes are TCP's).
    static func key(_ e: KernelEvent) -> FlowKey? {
        guard let s = e.source.flatMap(PodDirectory.Endpoint.init(parsing:)),
            let d = e.destination.flatMap(PodDirectory.Endpoint.init(parsing:))
        else { return nil }
        let transport: UInt8 =
            switch e.transport {
            case nil, "tcp": IPProtocol.tcp
            case "udp": IPProtocol.udp
            case let other?: UInt8(other) ?? 0
            }
        return FlowKey.between(s.address, s.port, d.address, d.port, ipProtocol: transport).key
    }

    mutating func add(_ e: KernelEvent) {
        events += 1
        if let records {
            recordOrdinal += 1
            var row = KernelEventRow(kind: e.kind.rawValue, timestamp: e.time, bytes: e.bytes, netns: e.netns, cgroup: e.cgroup)
            (row.source, row.destination, row.transport, row.reason) = (e.source, e.destination, e.transport, e.reason)
            (row.fromState, row.toState, row.smoothedRtt) = (e.fromState, e.toState, e.smoothedRtt)
            (row.sequence, row.error) = (e.sequence.map(Int.init), e.error)
            records.write(RecordLine(record: "kernelEvent", recordId: "kernel-\(recordFile)-\(recordOrdinal)", row: row))
        }
        switch e.kind {
        case .retransmit:
            // A send that failed (EBUSY under queue pressure) put nothing on the wire.
            if e.error != nil { failedRetransmissions += 1; return }
            retransmissions += 1
            guard let key = Self.key(e), connections[key] != nil || connections.count < Self.connectionLimit else {
                unkeyedRetransmissions += 1
                return
            }
            Self.update(&connections[key, default: Connection(sender: e.source ?? "", receiver: e.destination ?? "")], e)
        case .state:
            count(&transitions, "\(e.fromState ?? "?") -> \(e.toState ?? "?")")
        case .drop:
            dropSeries?.record(e)
            drops += 1
            dropBytes += e.bytes
            let reason = e.reason ?? "?"
            if let key = Self.key(e), dropsByFlow[key] != nil || dropsByFlow.count < Self.connectionLimit {
                dropsByFlow[key, default: [:]][reason, default: 0] += 1
            }
            if reasons[reason] != nil || reasons.count < Self.groupLimit {
                reasons[reason, default: (0, 0)].count += 1
                reasons[reason]?.bytes += e.bytes
            } else {
                reasons["(other)", default: (0, 0)].count += 1
                reasons["(other)"]?.bytes += e.bytes
            }
        }
    }

    /// One retransmission on a connection: counted, and its latest srtt and namespace kept.
    private static func update(_ c: inout Connection, _ e: KernelEvent) {
        c.retransmissions += 1
        c.smoothedRtt = e.smoothedRtt
        c.netns = e.netns
    }

    private func count(_ table: inout [String: Int], _ key: String) {
        if table[key] != nil || table.count < Self.groupLimit {
            table[key, default: 0] += 1
        } else {
            table["(other)", default: 0] += 1
        }
    }

    /// The report section, with the wire's counts per connection from the TCP analysis.
    func section(wire: [FlowKey: TCPAnalysis.WireCount], wireTotal: Int, rows: Int) -> KernelSection {
        var s = KernelSection()
        s.files = files
        s.attached = Array(Set(headers.flatMap(\.attached))).sorted()
        s.unavailable = Array(Set(headers.flatMap(\.unavailable))).sorted()
        s.events = events
        s.lost = headers.reduce(0) { $0 + $1.lost + $1.skipped }
        s.complete = headers.allSatisfy(\.complete)
        s.retransmissions = retransmissions
        s.wireRetransmissions = wireTotal
        s.failedRetransmissions = failedRetransmissions
        var onCaptured = 0, wireOnThose = 0, oooOnThose = 0
        let flows = connections.map { key, c -> KernelRetransmissionRow in
            let w = wire[key]
            if let w, w.connections > 0 {
                onCaptured += c.retransmissions
                wireOnThose += w.retransmissions
                oooOnThose += w.outOfOrder
            }
            let seen = w.flatMap { $0.connections > 0 ? $0 : nil }
            return KernelRetransmissionRow(
                sender: c.sender, receiver: c.receiver, kernel: c.retransmissions,
                wire: seen?.retransmissions, wireOutOfOrder: seen?.outOfOrder,
                smoothedRtt: c.smoothedRtt, netns: c.netns)
        }.sorted { ($0.kernel, $1.sender, $1.receiver) > ($1.kernel, $0.sender, $0.receiver) }
        s.retransmissionsOnCapturedConnections = onCaptured
        s.wireRetransmissionsOnThoseConnections = wireOnThose
        s.wireOutOfOrderOnThoseConnections = oooOnThose
        s.connections = RowList(total: flows.count, rows: Array(flows.prefix(rows)))
        let t = transitions.map { NameCount(name: $0.key, count: $0.value) }.sorted { ($0.count, $1.name) > ($1.count, $0.name) }
        s.stateChanges = transitions.values.reduce(0, +)
        s.transitions = RowList(total: t.count, rows: Array(t.prefix(rows)))
        s.drops = drops
        s.dropBytes = dropBytes
        let r = reasons.map { DropReasonRow(reason: $0.key, drops: $0.value.count, bytes: $0.value.bytes) }
            .sorted { ($0.drops, $1.reason) > ($1.drops, $0.reason) }
        s.dropReasons = RowList(total: r.count, rows: Array(r.prefix(rows)))
        return s
    }
}
