import Bundles
import CaptureFormats
import Dissectors
import Foundation
import Reports

public struct ReportOptions: Sendable {
    public var filter: String?
    /// Rows in every list (1000 by default); the rest are counted.
    public var rows = 1000
    public var flowLimits = FlowLimits()
    /// Every input one observation point (`--same-point`), not a node each.
    public var samePoint = false
    /// A query repeating a pending one within this is a retransmission (tshark: 5 s).
    public var dnsTimeout: Int64 = 5_000_000_000
    /// Distinct DNS question names told apart; past it the report says how many were not.
    public var dnsNames = 1 << 18
    /// Run the DNS analysis on a thread of its own (on two cores or more; same results).
    public var dnsThread = true
    /// The cluster DNS domain for search-path detection.
    public var clusterDomain = "cluster.local"
    /// Keep every TCP segment's analysis flags (tests compare them with tshark per frame).
    public var traceTCP = false
    /// Keep every TLS session's exchange latencies (tests compare them with the oracle's).
    public var traceExchanges = false
    /// Cluster metadata files (`--pods`): a kubectl List or a Loupe sidecar each.
    public var metadataPaths: [String] = []
    /// API-server endpoints besides those the metadata names (`--api-server ADDR:PORT`).
    public var apiServers: [PodDirectory.Endpoint] = []
    /// TLS key log files (`--tls-keylog`; NSS key log format), besides a bundle's.
    public var keyLogPaths: [String] = []
    /// Keep only traffic of these pods, namespaces or workloads (needs metadata).
    public var podFilter = PodFilter()
    /// Collect metric series with this step (nanoseconds), for the metrics formats.
    public var metricsStep: Int64?
    /// Labels on every series of the metrics formats (`--label name=value`).
    public var metricLabels: [MetricsModel.Label] = []
    /// With the metric series: also Retina's packet, connection and drop series
    /// (`RetinaSeries`, `KernelDropSeries`; the metrics formats, not the HTML timeline).
    public var retinaSeries = false
    /// `--format ndjson`: every connection, DNS transaction and kernel event as a record.
    public var records: RecordWriter?
    /// The HTML report: time-sequence graphs of the worst connections (`StreamGraphPass`,
    /// a second pass when some connection retransmitted).
    public var streamGraphs = false
    /// Metric series with their step chosen from the capture's length (30 to 200 points;
    /// `StepLadder`), when `metricsStep` is nil.
    public var metricsStepFromCapture = false
    /// Set when the report will be written as JSON: sections are written into it as soon as
    /// they are final (the TCP, TLS and API-server sections while the DNS stage may still be
    /// at work, then DNS's), for `JSONRenderer.render(_:parts:)`.
    public var jsonParts: JSONParts?
    public init() {}
}

public struct ReportOutcome: Sendable {
    public var report: Report
    public var damaged: Bool
    /// With `ReportOptions.traceTCP`: tshark expert ids per frame number (1-based).
    public var tcpTrace: [Int: [String]]?
    /// With `ReportOptions.traceExchanges`: nanoseconds per exchange by "client -> server".
    public var exchangeTrace: [String: [Int64]]?
    /// With `ReportOptions.metricsStep` or `metricsStepFromCapture`: the series for the
    /// metrics formats.
    public var metrics: MetricsModel?
    /// With `ReportOptions.streamGraphs`: the worst connections' time-sequence graphs.
    public var streamGraphs: [StreamGraph] = []
    /// TLS sessions folded before their flows ended (`TLSAnalysis.settle`; tests).
    var settledTLSSessions = 0
}

/// `loupe report`: every section from one pass.
public enum ReportRun {
    public static func run(
        paths: [String], options: ReportOptions,
        progress: ((_ packets: Int) -> Void)? = nil
    ) throws -> ReportOutcome {
        var passOptions = CapturePass.Options()
        passOptions.filter = options.filter
        passOptions.rows = options.rows
        passOptions.listConversations = false
        passOptions.protocolHierarchy = false
        passOptions.flowLimits = options.flowLimits
        passOptions.samePoint = options.samePoint
        passOptions.analyzeTCP = true
        passOptions.analyzeDNS = true
        passOptions.analyzeTLS = true
        passOptions.clusterDomain = options.clusterDomain
        passOptions.dnsTimeout = options.dnsTimeout
        passOptions.dnsNames = options.dnsNames
        passOptions.dnsThread = options.dnsThread
        passOptions.traceTCP = options.traceTCP
        passOptions.traceExchanges = options.traceExchanges
        // A directory input is a bundle: its captures, and its pod metadata unless --pods names some.
        let bundle = try BundleDirectory.expand(paths)
        let paths = bundle.captures
        var options = options
        let cluster = try clusterDirectory(bundle, metadataPaths: options.metadataPaths)
        options.metadataPaths = cluster.metadataPaths
        let directory = cluster.directory, metadata = cluster.metadata
        passOptions.pods = directory
        passOptions.apiServers = options.apiServers
        passOptions.analyses = AnalysisRegistry.all
        for path in options.keyLogPaths + bundle.keyLogs {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw CaptureOpenError(path: path, "cannot read the TLS key log")
            }
            passOptions.keyLog.add(bytes: [UInt8](data))
        }
        passOptions.podFilter = options.podFilter
        passOptions.metricsStep = options.metricsStep
        passOptions.metricsStepFromCapture = options.metricsStepFromCapture
        let rows = options.rows
        let parts = options.jsonParts
        passOptions.dnsEpilogue = { analysis in
            let section = dnsSection(analysis, rows: rows)
            // Before the text: its memory is reused.
            if parts != nil { analysis.releaseSectionStorage() }
            return section
        }
        // Kernel events are read first: the pass then counts the wire's side of their connections.
        (passOptions.captureNode, passOptions.origins) = (captureNode(metadata, paths: paths), captureOrigins(bundle))
        // Nodes whose clocks are further off than the one-way delay: their packets and kernel
        // events shifted together (`ClockPrescan`).
        let shifts =
            options.samePoint
            ? []
            : ClockPrescan.shifts(paths: paths, nodes: ObservationPoints.initialNodes(paths: paths, origins: passOptions.origins))
        passOptions.clockShifts = shifts
        passOptions.retinaSeries = options.retinaSeries
        passOptions.records = options.records
        let context = PassContext(
            pods: directory, metricsStep: options.metricsStep,
            metricsAdaptive: options.metricsStep == nil && options.metricsStepFromCapture)
        let drops =
            options.retinaSeries
            ? context.metricsRecorder().map {
                KernelDropSeries(recorder: $0, boundary: NodeBoundary(node: passOptions.captureNode, directory: directory))
            } : nil
        let kernel =
            bundle.events.isEmpty
            ? nil
            : try KernelEventSummary(
                paths: bundle.events, shifts: eventShifts(bundle, shifts: shifts), dropSeries: drops,
                records: options.records)
        passOptions.kernelConnections = kernel.map { Array($0.connections.keys) } ?? []
        var pass = try CapturePass.run(paths: paths, options: passOptions, progress: progress)
        // The sections DNS plays no part in, built (and with `parts`, written) while the DNS
        // thread may still be ending; with pod metadata, their rows named first (service
        // pairs from the pass's own table: DNS over UDP's are not TCP's).
        let connections = connectionResults(&pass.sinks.connections)
        var (tcp, tls, after) = (connections.tcp, connections.tls, connections.leftovers)
        if let directory { nameConnectionRows(&tcp, &tls, directory, pairs: pass.sinks.natPairs?.pairs() ?? [:]) }
        if let parts {
            parts.write("tcp", tcp)
            parts.write("tls", tls)
        }
        pass.finishDNS()
        var dns = pass.sinks.dns.section ?? dnsSection(DNSAnalysis(rows: 0), rows: options.rows)
        if let directory { nameDNSRows(&dns, directory) }
        parts?.write("dns", dns)
        let (inputs, packets, bytes) = pass.captureFacts
        var report = Report(
            inputs: SummaryRun.asGiven(inputs, bundle), packets: packets, bytes: bytes,
            filter: options.filter,
            matchedPackets: pass.matched,
            malformedPackets: pass.malformed.count,
            flowTable: SummaryRun.flowTableStats(pass.flows, pass.sinks.dns.conversations?.flows),
            warnings: pass.warnings.map(bundle.displayText),
            tcp: tcp,
            dns: dns,
            tls: tls)
        pass.sinks.plugins.write(into: &report, rows: options.rows)
        if let services = after.services { report.http = services.section(rows: options.rows) }
        report.sightings = sightingsSection(pass.sightings, rows: options.rows, pods: directory)
        report.path = pathSection(pass.sightings, rows: options.rows, directory: directory, kernel: kernel)
        report.warnings += sightingsWarnings(pass.sightings) + pathWarnings(pass.sightings.path)
        if let directory {
            podSections(&report, pass, connections.podStats, directory, options)
            report.attribution.nodes = metadata.objects.compactMap { o -> NodeAddresses? in
                if case .node(let n) = o { NodeAddresses(name: n.name, addresses: n.addresses) } else { nil }
            }.sorted { $0.name < $1.name }.prefix(options.rows).map { $0 }
        }
        if let kernel {
            report.kernel = kernel.section(
                wire: after.kernelWatch ?? [:], wireTotal: report.tcp.retransmissions,
                rows: options.rows)
            report.warnings += kernel.warnings
        }
        report.warnings += directory?.warnings ?? []
        // Bounds that were reached: what they left out is said, not hidden.
        if let dns = pass.sinks.dns.analysis, dns.droppedPending > 0 {
            report.warnings.append(
                "\(dns.droppedPending) DNS queries not tracked: more than \(DNSAnalysis.maximumPending) were pending at once")
        }
        if let dns = pass.sinks.dns.analysis, dns.tcpStreams.evicted > 0 {
            report.warnings.append(
                "\(dns.tcpStreams.evicted) DNS-over-TCP connections not decoded to their end: more than "
                    + "\(DNSTCPStreams.maximumConnections) were open at once (the oldest gave way)")
        }
        if let dns = pass.sinks.dns.analysis, dns.superseded.dropped > 0 {
            report.warnings.append(
                "\(dns.superseded.dropped) DNS lookups closed early: more than "
                    + "\(DNSAnalysis.maximumSuperseded) lookups were set aside by a later one with the same port and ID")
        }
        if let dns = pass.sinks.dns.analysis, dns.names.overflowed > 0 {
            report.warnings.append(
                "\(dns.names.overflowed) DNS messages named a question past the first "
                    + "\(dns.names.capacity) distinct names: their names are not told apart (listed as "
                    + "\"\(DNSNameTable.overflowText)\"; retransmissions among them count as new queries)")
        }
        report.warnings += after.httpWarnings
        if pass.defragmenter.dropped > 0 {
            report.warnings.append(
                "\(pass.defragmenter.dropped) IP fragments dropped: more than "
                    + "\(IPDefragmenter.maximumPending) datagrams in reassembly at once, or past \(IPDefragmenter.maximumLength) bytes"
            )
        }
        let hits = (pass.sinks.dns.analysis?.reassemblyBudget.limitHits ?? 0) + after.tlsLimitHits
        if hits > 0 {
            report.warnings.append(
                "stream reassembly reached its buffer bound \(hits) times: the holes before were given up as gaps")
        }
        var metrics = pass.metrics(
            connections: connections.metrics, adding: [kernel?.dropSeries?.recorder].compactMap { $0 })
        metrics?.constantLabels = constantLabels(options.metricLabels, report: report, nodes: pass.sightings.points.nodeNames)
        if let dropped = metrics?.droppedSeries, dropped > 0 {
            report.warnings.append(
                "\(dropped) metric events not recorded: their labels would have made more than "
                    + "\(MetricsRecorder.seriesLimit) series")
        }
        report.findings = FindingsBuilder.findings(report)
        let trace = after.tcpTrace.map { trace in
            trace.mapValues { flags in
                // Like tshark, fast and spurious retransmissions also carry the plain id.
                var all = flags
                if flags.isAnyRetransmission { all.insert(.retransmission) }
                return TCPAnalysisFlags.expertIDs.filter { all.contains($0.0) }.map(\.1)
            }
        }
        var outcome = ReportOutcome(
            report: report, damaged: inputs.contains { $0.damage != nil }, tcpTrace: trace,
            exchangeTrace: after.exchangeTrace, metrics: metrics,
            settledTLSSessions: after.settledTLSSessions)
        if options.streamGraphs {
            outcome.streamGraphs = try StreamGraphPass.run(
                captures: paths, report: options, pods: directory,
                rows: report.tcp.flows.rows)
        }
        return outcome
    }

    /// attribution, pods, workloads, namespaces, and pod names on TCP and DNS rows.
    static func podSections(
        _ report: inout Report, _ pass: CapturePass, _ connectionPods: [PodStats], _ directory: PodDirectory,
        _ options: ReportOptions
    ) {
        var a = AttributionSection()
        a.metadata = options.metadataPaths
        if let counter = pass.sinks.attribution {
            (a.packets, a.flows, a.resolvedPackets, a.resolvedFlows) = (
                counter.packets, counter.flows,
                counter.resolvedPackets, counter.resolvedFlows
            )
            a.resolvedPacketShare = counter.packets == 0 ? 0 : Double(counter.resolvedPackets) / Double(counter.packets)
            a.resolvedFlowShare = counter.flows == 0 ? 0 : Double(counter.resolvedFlows) / Double(counter.flows)
            a.ambiguousFlows = counter.ambiguousFlows
            a.unicastFlows = counter.unicastFlows
            a.resolvedUnicastFlowShare =
                counter.unicastFlows == 0
                ? 0
                : Double(counter.resolvedUnicastFlows) / Double(counter.unicastFlows)
            for scope in AddressScope.allCases where scope != .unicast && counter.flowsByScope[scope.rawValue] > 0 {
                a.notPodTraffic[scope.name] = counter.flowsByScope[scope.rawValue]
            }
            let unknown = counter.unknown.map {
                AddressCount(address: $0.key.text, packets: $0.value.packets, flows: $0.value.flows)
            }
            .sorted { ($0.packets, $1.address) > ($1.packets, $0.address) }
            a.unknownTop = RowList(total: unknown.count, rows: Array(unknown.prefix(options.rows)))
        }
        report.attribution = a
        var stats = PodStats()
        for part in [pass.sinks.dns.analysis?.podStats].compactMap({ $0 }) + connectionPods { stats.merge(part) }
        let (pods, workloads, namespaces) = stats.rows(directory)
        report.pods = Array(pods.prefix(options.rows))
        report.podsOmitted = pods.count - report.pods.count
        report.workloads = Array(workloads.prefix(options.rows))
        report.namespaces = Array(namespaces.prefix(options.rows))
        if stats.dropped > 0 {
            report.warnings.append("\(stats.dropped) figures of pods past the first \(PodStats.podLimit) not broken down per pod")
        }
        report.attribution.servicePairs = pass.sinks.natPairs?.pairs().count ?? 0
    }

    /// TCP flows and TLS sessions, built before attribution, get their pods here, and
    /// connections through a Service their Service (and backend, when `pairs` pairs them).
    static func nameConnectionRows(
        _ tcp: inout TCPSection, _ tls: inout TLSSection, _ directory: PodDirectory,
        pairs: [ServiceNATPairs.Client: (service: String, pod: String)]
    ) {
        func service(_ client: String, _ server: String, _ time: Int64) -> (service: String?, backend: String?) {
            let pair = PodDirectory.Endpoint(parsing: client).flatMap {
                pairs[ServiceNATPairs.Client(address: $0.address, port: $0.port)]
            }
            if let address = PodDirectory.Endpoint(parsing: server)?.address,
                case .service(let s)? = directory.resolve(address, at: time)
            {
                return (directory.services[s], pair?.pod)
            }
            return (pair?.service, nil)
        }
        for i in tcp.flows.rows.indices {
            let row = tcp.flows.rows[i]
            let time = Self.nanoseconds(row.firstTimestamp)
            tcp.flows.rows[i].clientPod = Self.podName(row.client, time, directory)
            let (svc, backend) = service(row.client, row.server, time)
            tcp.flows.rows[i].serverPod = Self.podName(row.server, time, directory) ?? backend
            tcp.flows.rows[i].service = svc
        }
        for i in tls.sessions.rows.indices {
            let row = tls.sessions.rows[i]
            let time = row.timestamp.map(Self.nanoseconds) ?? 0
            let (svc, backend) = service(row.client, row.server, time)
            if row.serverPod == nil { tls.sessions.rows[i].serverPod = backend }
            tls.sessions.rows[i].service = svc
        }
    }

    /// DNS transactions, built before attribution, get their pods here.
    static func nameDNSRows(_ dns: inout DNSSection, _ directory: PodDirectory) {
        for i in dns.transactionList.rows.indices {
            let row = dns.transactionList.rows[i]
            let time = Self.nanoseconds(row.timestamp)
            dns.transactionList.rows[i].clientPod = Self.podName(row.client, time, directory)
            dns.transactionList.rows[i].serverPod = Self.podName(row.server, time, directory)
        }
    }

    static func nanoseconds(_ d: Decimal) -> Int64 {
        PodDirectory.nanoseconds(NSDecimalNumber(decimal: d).doubleValue)
    }

    /// The pod named for an "ip:port" / "[v6]:port" endpoint at `time`, or nil.
    static func podName(_ endpoint: String, _ time: Int64, _ directory: PodDirectory) -> String? {
        guard let address = PodDirectory.Endpoint(parsing: endpoint)?.address,
            case .pod(let p)? = directory.resolve(address, at: time)
        else {
            return nil
        }
        return directory.pods[p].key
    }
}
