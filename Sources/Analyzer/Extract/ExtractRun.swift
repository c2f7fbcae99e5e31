import Bundles
import CaptureFormats
import Dissectors
import Foundation
import Reports

/// What `loupe extract` selects and how it writes.
public struct ExtractOptions: Sendable {
    /// A flow's `id` as the report's `tcp.flows` and `conversations` rows carry it.
    public var flowID: String?
    /// A finding's 1-based position in the report of the same inputs and options: the flows
    /// its evidence names.
    public var finding: Int?
    /// For `finding`: the report's options that change findings.
    public var apiServers: [PodDirectory.Endpoint] = []
    /// Only packets of these pods (needs metadata).
    public var podFilter = PodFilter()
    public var metadataPaths: [String] = []
    /// A BPF expression: only packets it matches.
    public var filter: String?
    public var flowLimits = FlowLimits()
    public var samePoint = false
    /// The inputs' Decryption Secrets Blocks and the key logs given copied into the output.
    public var withSecrets = false
    /// Every sighting of the packets, at every observation point, not only the one at the
    /// flow's point.
    public var allPoints = false
    public var keyLogPaths: [String] = []
    public init() {}
}

public struct ExtractOutcome: Sendable {
    public var packets: Int
    /// A Wireshark display filter for the extracted flows (nil without `--flow` or `--finding`).
    public var displayFilter: String?
    /// With `--finding`: the finding, and its own display filter.
    public var finding: Finding?
    public var inputs: [InputSummary]
    /// With `--all-points`: the sightings beyond one a packet among `packets`, and a warning
    /// when the packets were too many to match all their sightings (`SightingsOf.maximumPackets`).
    public var copies = 0
    public var warnings: [String] = []
}

/// No flow with the ID asked for in the inputs, or no finding (with flows) at the position.
public struct FlowNotFound: Error, CustomStringConvertible {
    public var description: String

    init(id: String) {
        description = "no flow with id \(id) in the inputs (ids are those of the report of the same inputs and options)"
    }

    init(finding: Int, of count: Int, _ f: Finding?) {
        if let f {
            description =
                "finding \(finding) (\(f.id)) names no flows and no capture filter"
                + (f.evidence?.displayFilter.map { "; its packets in Wireshark: \($0)" } ?? "")
        } else {
            description = "no finding \(finding): the report of these inputs and options has \(count)"
        }
    }
}

/// `loupe extract`: the packets behind a report's row, as pcapng a colleague's Wireshark
/// opens. Two passes of the report's own pass over the same inputs and options, so flows,
/// their IDs and their observation points are the report's: the first finds the flow by its
/// ID (and reads the inputs' secrets and interface names), the second writes its packets, one sighting each (the
/// one at the flow's point, the one the report analysed). Packets the pass does not give to
/// analyses are not written: frames without IP, and the fragments of a reassembled datagram
/// but its last.
public enum ExtractRun {
    public static func run(
        paths: [String], options: ExtractOptions, output: String,
        progress: ((_ packets: Int) -> Void)? = nil
    ) throws -> ExtractOutcome {
        let bundle = try BundleDirectory.expand(paths)
        let cluster = try ReportRun.clusterDirectory(bundle, metadataPaths: options.metadataPaths)
        var passOptions = CapturePass.Options.flowsOnly(
            filter: options.filter, flowLimits: options.flowLimits,
            samePoint: options.samePoint, pods: cluster.directory,
            podFilter: options.podFilter)

        // The flows: the one named, or those the finding's evidence names.
        var ids: [String] = options.flowID.map { [$0] } ?? []
        var finding: Finding?
        if let n = options.finding {
            var report = ReportOptions()
            report.filter = options.filter
            report.flowLimits = options.flowLimits
            report.samePoint = options.samePoint
            report.metadataPaths = options.metadataPaths
            report.apiServers = options.apiServers
            report.keyLogPaths = options.keyLogPaths
            let findings = try ReportRun.run(paths: paths, options: report).report.findings
            finding = findings.indices.contains(n - 1) ? findings[n - 1] : nil
            if let flows = finding?.evidence?.flows, !flows.isEmpty {
                ids += flows
            } else if let bpf = finding?.evidence?.captureFilter {
                // No flows named: the packets its capture filter selects.
                passOptions.filter = options.filter.map { "(\($0)) and (\(bpf))" } ?? bpf
            } else {
                throw FlowNotFound(finding: n, of: findings.count, finding)
            }
        }

        // Pass 1: the flows, the secrets every input holds, and the names of its interfaces
        // (read as the interface blocks come, so known only once an input has been read).
        let locator = FlowLocator(ids: Set(ids))
        passOptions.analyses = [.init(name: "locate") { _ in locator }]
        let first = try CapturePass.run(paths: bundle.captures, options: passOptions, progress: progress)
        var flows: [Flow] = []
        for id in ids {
            guard let found = locator.found[id] else { throw FlowNotFound(id: id) }
            flows.append(found)
        }
        let secrets =
            options.withSecrets ? try Self.secrets(first.merger.readers, keyLogs: options.keyLogPaths + bundle.keyLogs) : []
        // The node: the metadata's when it names one (a bundle's), else the capture file's.
        let nodes = cluster.metadata.objects.compactMap { o -> String? in if case .node(let n) = o { n.name } else { nil } }
        let inputs = zip(bundle.captures, first.merger.readers).map { path, reader in
            PacketExtractor.Input(
                node: nodes.count == 1 ? nodes[0] : ObservationPoints.nodeName(path),
                interfaceNames: reader.interfaces.map(\.name))
        }

        // With --all-points, a pass more: the flows' packets, whose sightings the last writes.
        var sightingsOf: SightingsOf?
        if options.allPoints && !ids.isEmpty {
            let collector = SightingsOf(flowSerials: Set(flows.map(\.serial)))
            passOptions.analyses = [.init(name: "sightings") { _ in collector }]
            _ = try CapturePass.run(paths: bundle.captures, options: passOptions, progress: progress)
            sightingsOf = collector
        }

        // Pass 2: the packets.
        guard FileManager.default.createFile(atPath: output, contents: nil), let handle = FileHandle(forWritingAtPath: output)
        else {
            throw CaptureOpenError(path: output, "cannot create the output file")
        }
        defer { try? handle.close() }
        let extractor = PacketExtractor(
            inputs: inputs, flowSerials: ids.isEmpty ? nil : Set(flows.map(\.serial)),
            directory: cluster.directory,
            output: handle, secrets: secrets, sightingsOf: sightingsOf)
        passOptions.analyses = [.init(name: "extract") { _ in extractor }]
        let pass = try CapturePass.run(paths: bundle.captures, options: passOptions, progress: progress)
        extractor.flush()
        if let failure = extractor.failure { throw CaptureOpenError(path: output, "cannot write: \(failure)") }
        var filter =
            flows.isEmpty
            ? nil
            : flows.count == 1
                ? displayFilter(flows[0])
                : flows.map { "(" + displayFilter($0) + ")" }.joined(separator: " || ")
        // One input of several interfaces: the flows' point is one of them.
        if filter != nil, !options.allPoints, inputs.count == 1, inputs[0].interfaceNames.count > 1,
            let only = extractor.onlyInterface
        {
            filter! += " && frame.interface_id==\(only)"
        }
        var outcome = ExtractOutcome(
            packets: extractor.written, displayFilter: filter, finding: finding,
            inputs: pass.captureFacts.inputs)
        if let sightingsOf {
            outcome.copies = extractor.written - flows.reduce(0) { $0 + $1.packets }
            if sightingsOf.full {
                outcome.warnings.append(
                    "only the sightings of the flows' first \(SightingsOf.maximumPackets) packets were written (--all-points)")
            }
        }
        return outcome
    }

    /// The inputs' Decryption Secrets Blocks, then each key log file as one (type "TLSK").
    static func secrets(_ readers: [CaptureReader], keyLogs: [String]) throws -> [DecryptionSecret] {
        var all = readers.flatMap(\.secrets)
        for path in keyLogs {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw CaptureOpenError(path: path, "cannot read the TLS key log")
            }
            all.append(DecryptionSecret(type: 0x544C_534B, data: [UInt8](data)))
        }
        var seen = Set<DecryptionSecret>()
        return all.filter { seen.insert($0).inserted }
    }

    /// Wireshark's display filter for the flow's packets: both addresses, both ports (the
    /// transport's), and the flow's time span.
    static func displayFilter(_ flow: Flow) -> String {
        let k = flow.key
        let ip = k.lowAddress.isV4 ? "ip" : "ipv6"
        var parts = ["\(ip).addr==\(k.lowAddress.text)", "\(ip).addr==\(k.highAddress.text)"]
        switch k.ipProtocol {
        case IPProtocol.tcp, IPProtocol.udp, IPProtocol.sctp:
            let t = SummaryRun.transportName(k.ipProtocol)
            parts += ["\(t).port==\(k.lowPort)", "\(t).port==\(k.highPort)"]
        default:
            parts.append("\(ip == "ip" ? "ip.proto" : "ipv6.nxt")==\(k.ipProtocol)")
        }
        // The span in epoch seconds (the same 5-tuple may carry other flows before and after).
        let first = Timestamp(seconds: flow.firstSecond, nanoseconds: flow.firstNanosecond)
        let last = Timestamp(seconds: flow.lastSeen / 1_000_000_000, nanoseconds: UInt32(flow.lastSeen % 1_000_000_000))
        parts += ["frame.time_epoch>=\(first.decimalString)", "frame.time_epoch<=\(last.decimalString)"]
        return parts.joined(separator: " && ")
    }
}
