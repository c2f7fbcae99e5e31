import Bundles
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
    public var flowLimits = FlowLimits()
    /// Every input one observation point (`--same-point`), not a node each.
    public var samePoint = false
    /// DNS over UDP's conversations counted on a second thread (with two cores or more): the
    /// same figures but for `flowTable.peakLive`, then the sum of the two tables' peaks.
    public var conversationsThread = true
    public init() {}
}

public struct SummaryOutcome: Sendable {
    public var report: SummaryReport
    /// True when some input was damaged (exit status 3).
    public var damaged: Bool
}

/// `loupe summary`: one pass over every input computes every number.
public enum SummaryRun {
    /// Throws `CaptureOpenError` or `FilterError` (both exit status 2) before reading.
    public static func run(
        paths: [String], options: SummaryOptions,
        progress: ((_ packets: Int) -> Void)? = nil
    ) throws -> SummaryOutcome {
        var passOptions = CapturePass.Options()
        passOptions.filter = options.filter
        passOptions.rows = options.rows
        passOptions.flowLimits = options.flowLimits
        passOptions.samePoint = options.samePoint
        passOptions.dnsThread = options.conversationsThread
        let bundle = try BundleDirectory.expand(paths)
        var pass = try CapturePass.run(paths: bundle.captures, options: passOptions, progress: progress)
        pass.finishDNS()
        let (inputs, packets, bytes) = pass.captureFacts
        var report = SummaryReport(
            inputs: asGiven(inputs, bundle), packets: packets, bytes: bytes,
            filter: options.filter,
            matchedPackets: pass.matched,
            protocols: pass.hierarchy.rows(),
            layerFrames: pass.hierarchy.layerFrames(),
            conversations: RowList(
                total: pass.sinks.conversations.seen,
                rows: pass.sinks.conversations.sorted().map(conversation)),
            flowTable: flowTableStats(pass.flows, pass.sinks.dns.conversations?.flows),
            malformedPackets: pass.malformed.count,
            fragments: FragmentStats(
                reassembled: pass.defragmenter.reassembled, incomplete: pass.defragmenter.incomplete,
                overlaps: pass.defragmenter.overlaps, dropped: pass.defragmenter.dropped),
            warnings: pass.warnings.map(bundle.displayText))
        report.nodes = bundle.directories.compactMap { BundleNode.node(in: $0) }.map {
            NodeAddresses(name: $0.name, addresses: $0.addresses)
        }
        return SummaryOutcome(report: report, damaged: inputs.contains { $0.damage != nil })
    }

    /// With `apart` (DNS conversations counted in a table of their own), the two tables'
    /// counts added: `peakLive` is then the sum of their peaks.
    static func flowTableStats(_ flows: FlowTable, _ apart: FlowTableOf<CountedFlow>? = nil) -> FlowTableStats {
        FlowTableStats(
            flows: flows.created + (apart?.created ?? 0), peakLive: flows.peakLive + (apart?.peakLive ?? 0),
            expired: flows.expired + (apart?.expired ?? 0), evicted: flows.evicted + (apart?.evicted ?? 0),
            maximumLive: flows.limits.maximumFlows)
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
            snaplenCutPackets: stats.snaplenCut, oversizedRecords: reader.oversizedRecords,
            linkTypes: linkTypes.sorted().map(\.name),
            firstTimestamp: stats.first.map(decimal), lastTimestamp: stats.last.map(decimal),
            duration: stats.earliest.flatMap { e in stats.latest.map { $0.seconds(since: e) } },
            sections: reader.sections.count,
            interfaces: interfaces.enumerated().map { n, iface in
                InterfaceSummary(
                    section: iface.section, name: iface.name, linkType: iface.linkType.name,
                    snapLength: Int(iface.snapLength),
                    packets: stats.packets(onInterface: n),
                    received: iface.statistics?.received.map { Int(clamping: $0) },
                    dropped: iface.statistics?.dropped.map { Int(clamping: $0) })
            },
            captureDrops: drops.isEmpty ? nil : Int(clamping: drops.reduce(0, &+)),
            damage: reader.damage.map { DamageSummary(offset: Int($0.offset), message: $0.message) },
            warnings: warnings)
    }

    /// Inputs named as the user gave them: a file inside an unpacked archive by the archive's
    /// path and its own path inside it, never the temporary folder it was unpacked to.
    static func asGiven(_ inputs: [InputSummary], _ bundle: BundleDirectory.Contents) -> [InputSummary] {
        inputs.map { input in
            var i = input
            i.path = bundle.displayPath(i.path)
            i.warnings = i.warnings.map(bundle.displayText)
            if let d = i.damage { i.damage = DamageSummary(offset: d.offset, message: bundle.displayText(d.message)) }
            return i
        }
    }

    static func decimal(_ t: Timestamp) -> Decimal { Decimal(string: t.decimalString) ?? Decimal(t.doubleValue) }

    /// Client and server endpoint text ("ip:port", "[v6]:port"; bare addresses for
    /// portless protocols such as ICMP).
    static func endpoints(_ f: Flow) -> (client: String, server: String) { endpoints(f.key, clientIsLow: f.clientIsLow) }

    /// The same for a conversation's key and which side is its client.
    static func endpoints(_ k: FlowKey, clientIsLow: Bool) -> (client: String, server: String) {
        let ported = k.ipProtocol == IPProtocol.tcp || k.ipProtocol == IPProtocol.udp || k.ipProtocol == IPProtocol.sctp
        let low = ported ? k.lowAddress.endpoint(port: k.lowPort) : k.lowAddress.text
        let high = ported ? k.highAddress.endpoint(port: k.highPort) : k.highAddress.text
        return clientIsLow ? (low, high) : (high, low)
    }

    static func conversation(_ f: Flow) -> ConversationRow {
        let k = f.key
        let (client, server) = endpoints(f)
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
