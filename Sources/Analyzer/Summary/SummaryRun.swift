import CaptureFormats
import Dissectors
import Foundation
import Reports

public struct SummaryOptions: Sendable {
    /// A pcap-filter(7) expression; packets it rejects are left out of the hierarchy and
    /// conversations (the per-file facts still count every record).
    public var filter: String?
    /// How many conversations to list.
    public var rows = 20
    public var flowLimits = FlowTable.Limits()
    public init() {}
}

public struct SummaryOutcome: Sendable {
    public var report: SummaryReport
    /// True when some input was damaged (exit status 3).
    public var damaged: Bool
}

/// `loupe summary`: one pass over every input computes every number.
public enum SummaryRun {
    /// Progress is reported every this many packets (never per packet).
    static let progressInterval = 1 << 16

    /// Throws `CaptureOpenError` or `FilterError` (both exit status 2) before reading.
    public static func run(paths: [String], options: SummaryOptions,
                           progress: ((_ packets: Int) -> Void)? = nil) throws -> SummaryOutcome {
        let filter = try options.filter.map { expression throws(FilterError) in try PacketFilter(expression) }
        var readers: [CaptureReader] = []
        for path in paths { readers.append(try CaptureReader(path: path)) }
        var merger = MergingReader(readers)

        var files = [FileStats](repeating: FileStats(), count: paths.count)
        var hierarchy = ProtocolHierarchy()
        var flows = FlowTable(limits: options.flowLimits)
        var top = TopFlows(capacity: options.rows)
        var defragmenter = IPDefragmenter()
        var matched = 0, malformed = 0, seen = 0
        var now: Int64 = 0
        var clock = CaptureClock()
        var frame = DecodedFrame()

        while let (input, record) = merger.next() {
            files[input].count(record)
            seen += 1
            if seen & (progressInterval - 1) == 0 { progress?(seen) }
            if let filter, !filter.matches(record) { continue }
            matched += 1
            if let t = record.timestamp {
                now = t.saturatingNanoseconds
                clock.observe(now)
            }
            FrameDecoder.decode(linkType: record.linkType.rawValue, bytes: record.data,
                                originalLength: record.originalLength, into: &frame)
            if frame.fragment != nil, let datagram = defragmenter.add(frame, time: now) {
                datagram.withUnsafeBytes { raw in
                    FrameDecoder.decodeReassembled(ByteSlice(raw, frameOffset: frame.ipPayload.frameOffset), into: &frame)
                    account(frame, record, now, clock.now, &hierarchy, &flows, &top, &malformed)
                }
                continue
            }
            account(frame, record, now, clock.now, &hierarchy, &flows, &top, &malformed)
        }
        flows.drain { top.offer($0) }

        let inputs = merger.readers.indices.map { summary(of: merger.readers[$0], files[$0]) }
        let report = SummaryReport(
            inputs: inputs,
            packets: files.reduce(0) { $0 + $1.packets },
            bytes: files.reduce(0) { $0 &+ $1.bytes },
            filter: options.filter,
            matchedPackets: matched,
            protocols: hierarchy.rows(),
            layerFrames: hierarchy.layerFrames(),
            conversations: RowList(total: top.seen, rows: top.sorted().map(conversation)),
            flowTable: FlowTableStats(flows: flows.created, peakLive: flows.peakLive, expired: flows.expired,
                                      evicted: flows.evicted, maximumLive: flows.limits.maximumFlows),
            malformedPackets: malformed,
            fragments: FragmentStats(reassembled: defragmenter.reassembled, incomplete: defragmenter.incomplete,
                                     overlaps: defragmenter.overlaps, dropped: defragmenter.dropped),
            warnings: warnings(filter: filter, clock: clock))
        return SummaryOutcome(report: report, damaged: inputs.contains { $0.damage != nil })
    }

    static func warnings(filter: PacketFilter?, clock: CaptureClock) -> [String] {
        var out: [String] = []
        for (link, why) in (filter?.unsupported ?? [:]).sorted(by: { $0.key < $1.key }) {
            out.append("filter does not apply to link type \(link): \(why)")
        }
        if clock.leapsIgnored > 0 {
            out.append("\(clock.leapsIgnored) timestamp leaps of more than an hour did not advance the flow expiry clock")
        }
        return out
    }

    @inline(__always)
    static func account(_ frame: DecodedFrame, _ record: PacketRecord, _ now: Int64, _ clock: Int64,
                        _ hierarchy: inout ProtocolHierarchy, _ flows: inout FlowTable,
                        _ top: inout TopFlows, _ malformed: inout Int) {
        hierarchy.count(frame.path, bytes: record.originalLength)
        if frame.isMalformed { malformed += 1 }
        guard frame.ipVersion != 0, frame.fragment == nil else { return }
        let (key, fromLow) = FlowKey.of(frame)
        let work = FlowWork(key: key, fromLow: fromLow, isTCP: frame.isTCP, flags: frame.tcpFlags,
                            length: record.originalLength, time: now, clock: clock, timestamp: record.timestamp)
        apply(work, &flows, &top)
    }

    /// One packet's effect on its conversation.
    @inline(__always)
    static func apply(_ w: FlowWork, _ flows: inout FlowTable, _ top: inout TopFlows) {
        var (i, isNew) = flows.lookup(w.key, time: w.time, clock: w.clock) { top.offer($0) }
        let synOnly = w.isTCP && w.flags.contains(.syn) && !w.flags.contains(.ack)
        if !isNew && synOnly && flows[i].isClosed {
            // A new SYN on a closed 5-tuple starts a new conversation (port reuse).
            (i, isNew) = flows.restart(i, time: w.time) { top.offer($0) }
        }
        // One in-place update (each `flows[i].x =` would check uniqueness).
        flows.update(i) { flow in
            if isNew {
                flow.clientIsLow = w.fromLow
                let t = w.timestamp ?? Timestamp(seconds: w.time / 1_000_000_000,
                                                 nanoseconds: UInt32(truncatingIfNeeded: w.time % 1_000_000_000))
                flow.firstSecond = t.seconds
                flow.firstNanosecond = t.nanoseconds
            }
            if synOnly && !flow.clientFromSYN {
                flow.clientIsLow = w.fromLow
                flow.clientFromSYN = true
            }
            if w.time > flow.lastSeen { flow.lastSeen = w.time }
            if w.fromLow {
                flow.packetsFromLow += 1
                flow.bytesFromLow &+= w.length
            } else {
                flow.packetsFromHigh += 1
                flow.bytesFromHigh &+= w.length
            }
            if w.isTCP {
                if w.flags.contains(.rst) { flow.reset = true }
                if w.flags.contains(.fin) {
                    if w.fromLow { flow.finFromLow = true } else { flow.finFromHigh = true }
                }
            }
        }
    }

    static func summary(of reader: CaptureReader, _ stats: FileStats) -> InputSummary {
        let interfaces = reader.interfaces
        var linkTypes: [LinkType] = []
        for iface in interfaces where !linkTypes.contains(iface.linkType) { linkTypes.append(iface.linkType) }
        let drops = interfaces.compactMap { $0.statistics?.dropped }
        var warnings = reader.warnings.messages
        if reader.warnings.omitted > 0 { warnings.append("\(reader.warnings.omitted) more warnings") }
        return InputSummary(
            path: reader.path, format: reader.format.rawValue, compression: reader.compression.rawValue,
            packets: stats.packets, bytes: stats.bytes, capturedBytes: stats.capturedBytes,
            snaplenCutPackets: stats.snaplenCut, linkTypes: linkTypes.sorted().map(\.name),
            firstTimestamp: stats.first.map(decimal), lastTimestamp: stats.last.map(decimal),
            duration: stats.earliest.flatMap { e in stats.latest.map { $0.seconds(since: e) } },
            sections: reader.sections.count,
            interfaces: interfaces.enumerated().map { n, iface in
                InterfaceSummary(section: iface.section, name: iface.name, linkType: iface.linkType.name,
                                 snapLength: Int(iface.snapLength),
                                 packets: stats.packets(onInterface: n),
                                 received: iface.statistics?.received.map { Int(clamping: $0) },
                                 dropped: iface.statistics?.dropped.map { Int(clamping: $0) })
            },
            captureDrops: drops.isEmpty ? nil : Int(clamping: drops.reduce(0, &+)),
            damage: reader.damage.map { DamageSummary(offset: Int($0.offset), message: $0.message) },
            warnings: warnings)
    }

    static func decimal(_ t: Timestamp) -> Decimal { Decimal(string: t.decimalString) ?? Decimal(t.doubleValue) }

    static func conversation(_ f: Flow) -> ConversationRow {
        let k = f.key
        // Portless protocols (ICMP, ...) are conversations between addresses.
        let ported = k.ipProtocol == IPProtocol.tcp || k.ipProtocol == IPProtocol.udp || k.ipProtocol == IPProtocol.sctp
        let low = ported ? k.lowAddress.endpoint(port: k.lowPort) : k.lowAddress.text
        let high = ported ? k.highAddress.endpoint(port: k.highPort) : k.highAddress.text
        let (client, server) = f.clientIsLow ? (low, high) : (high, low)
        let transport = Self.transportName(k.ipProtocol)
        let first = Timestamp(seconds: f.firstSecond, nanoseconds: f.firstNanosecond)
        return ConversationRow(
            id: FlowID.make(transport: transport, client: client, server: server, first: first),
            transport: transport, client: client, server: server, firstTimestamp: decimal(first),
            duration: Double(f.lastSeen &- f.firstSeen) / 1e9, packets: f.packets, bytes: f.bytes,
            packetsFromClient: f.clientIsLow ? f.packetsFromLow : f.packetsFromHigh,
            bytesFromClient: f.clientIsLow ? f.bytesFromLow : f.bytesFromHigh,
            packetsFromServer: f.clientIsLow ? f.packetsFromHigh : f.packetsFromLow,
            bytesFromServer: f.clientIsLow ? f.bytesFromHigh : f.bytesFromLow)
    }

    static func transportName(_ proto: UInt8) -> String {
        switch proto {
        case IPProtocol.tcp: "tcp"
        case IPProtocol.udp: "udp"
        case IPProtocol.icmp: "icmp"
        case IPProtocol.icmpv6: "icmpv6"
        case IPProtocol.sctp: "sctp"
        default: "ip-proto-\(proto)"
        }
    }
}

/// Deterministic flow identifiers (like Zeek's uid, but reproducible): "F" and 16 hex
/// digits of the FNV-1a hash of the transport, endpoints and first timestamp.
public enum FlowID {
    public static func make(transport: String, client: String, server: String, first: Timestamp) -> String {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in "\(transport)|\(client)|\(server)|\(first.decimalString)".utf8 {
            h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
        }
        let hex = String(h, radix: 16)
        return "F" + String(repeating: "0", count: 16 - hex.count) + hex
    }
}
