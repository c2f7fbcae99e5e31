import Analyzer
import ArgumentParser
import CaptureFormats
import CommandLineExit
import Foundation
import Reports

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Analyse captures: TCP retransmissions, losses, RTT and connection states.",
        discussion: "Every section comes from one pass over the inputs; several inputs are merged in time order.")

    @OptionGroup var capture: CaptureInputOptions

    enum Format: String, ExpressibleByArgument, CaseIterable { case text, html, json, ndjson, prometheus, openmetrics }

    @Option(
        help:
            "Output format: text, html (one self-contained page), json, ndjson (one record a line: every connection, DNS transaction, TLS session, API-server request and kernel event), prometheus (totals) or openmetrics (series over the capture, with timestamps)."
    )
    var format: Format = .text

    @Option(
        help: ArgumentHelp(
            "Step of the openmetrics series and the HTML timeline: 10s, 500ms, 1m (default: chosen from the capture's length, 30 to 200 points).",
            valueName: "duration"))
    var step: String?

    /// "10s", "500ms", "1m", "2h" in nanoseconds.
    static func duration(_ text: String) -> Int64? {
        let units: [(String, Double)] = [("ms", 1e6), ("s", 1e9), ("m", 60e9), ("h", 3600e9)]
        for (suffix, scale) in units where text.hasSuffix(suffix) {
            guard let v = Double(text.dropLast(suffix.count)), v > 0, v * scale <= 86_400e9, v * scale >= 1e6 else { return nil }
            return Int64(v * scale)
        }
        return nil
    }

    @Option(
        help: ArgumentHelp(
            "A label on every series of the prometheus and openmetrics formats, e.g. cluster=prod (repeatable; `instance` defaults to the capture's node).",
            valueName: "name=value"))
    var label: [String] = []

    /// A `--label` value: a Prometheus label name (not `__`-reserved, not `le`), `=`, a value.
    static func metricLabel(_ text: String) -> MetricsModel.Label? {
        guard let eq = text.firstIndex(of: "=") else { return nil }
        let name = String(text[..<eq]), value = String(text[text.index(after: eq)...])
        guard let first = name.unicodeScalars.first, first == "_" || first.properties.isAlphabetic && first.isASCII,
            name.unicodeScalars.allSatisfy({ $0.isASCII && ($0 == "_" || $0.properties.isAlphabetic || ("0"..."9").contains($0)) }
            ),
            !name.hasPrefix("__"), name != "le"
        else { return nil }
        return MetricsModel.Label(name: name, value: value)
    }

    @Option(
        help: ArgumentHelp(
            "Text sections to print, comma-separated: findings, path, dns, tcp, tls, icmp, http, pods, api, kernel (default: all).",
            valueName: "names"))
    var section: String?

    @Option(help: "Rows in every list; the rest are counted.")
    var rows: Int = 1000

    @Option(help: "The cluster's DNS domain, for search-path expansion.")
    var clusterDomain = "cluster.local"

    @Option(
        help: ArgumentHelp(
            "Within this a repeated DNS query is a retransmission, not a new transaction "
                + "(tshark: 5s; a bare number is seconds).", valueName: "duration"))
    var dnsTimeout = DurationArgument<Seconds>(seconds: 5)

    @Option(
        name: .customLong("pods"),
        help: ArgumentHelp(
            "Cluster metadata: what `kubectl get pods,services,endpointslices,nodes -A -o json` prints, or a Loupe sidecar (repeatable).",
            valueName: "file"))
    var metadata: [String] = []

    @Option(
        help: ArgumentHelp(
            "An API-server endpoint besides those the metadata names (repeatable).",
            valueName: "addr:port"))
    var apiServer: [String] = []

    @Option(
        help: ArgumentHelp(
            "Only traffic of this pod, \"namespace/name\" or a name (repeatable; needs --pods).",
            valueName: "pod"))
    var pod: [String] = []

    @Option(help: ArgumentHelp("Only traffic of pods in this namespace (repeatable; needs --pods).", valueName: "namespace"))
    var namespace: [String] = []

    @Option(
        help: ArgumentHelp(
            "Only traffic of this workload, e.g. Deployment/web or web (repeatable; needs --pods).",
            valueName: "workload"))
    var workload: [String] = []

    @Option(
        name: .customLong("tls-keylog"),
        help: ArgumentHelp(
            "TLS secrets in NSS key log format (SSLKEYLOGFILE; repeatable): those connections are decrypted.",
            valueName: "file"))
    var tlsKeyLog: [String] = []

    @OptionGroup var output: OutputOptions

    /// An `--api-server` value: an endpoint with a port other than 0.
    static func endpoint(_ text: String) -> PodDirectory.Endpoint? {
        PodDirectory.Endpoint(parsing: text).flatMap { $0.port > 0 ? $0 : nil }
    }

    var sections: Set<String>? {
        section.map { Set($0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }) }
    }

    func validate() throws {
        if let step, Self.duration(step) == nil {
            throw ValidationError("--step \(step): a duration from 1ms to 24h, e.g. 10s, 500ms, 1m")
        }
        for name in sections ?? [] where !ReportTextRenderer.sectionNames.contains(name) {
            throw ValidationError("--section \(name): one of \(ReportTextRenderer.sectionNames.joined(separator: ", "))")
        }
        if !(pod.isEmpty && namespace.isEmpty && workload.isEmpty) && metadata.isEmpty {
            throw ValidationError("--pod, --namespace and --workload need cluster metadata: --pods FILE")
        }
        for e in apiServer where Self.endpoint(e) == nil {
            throw ValidationError("--api-server \(e): expected ADDR:PORT, e.g. 10.96.0.1:443 or [fd00::1]:6443")
        }
        guard rows >= 0 else { throw ValidationError("--rows must be 0 or more") }
        for l in label where Self.metricLabel(l) == nil {
            throw ValidationError("--label \(l): expected name=value with a Prometheus label name, e.g. cluster=prod")
        }
        if !label.isEmpty && format != .prometheus && format != .openmetrics {
            throw ValidationError("--label applies to --format prometheus and openmetrics")
        }
        guard dnsTimeout.seconds > 0, dnsTimeout.seconds < 3600 else {
            throw ValidationError("--dns-timeout must be between 0 and 3600 seconds")
        }
    }

    func run() throws {
        var options = ReportOptions()
        options.filter = capture.filter
        options.rows = rows
        options.flowLimits.maximumFlows = capture.maxFlows
        options.samePoint = capture.samePoint
        options.clusterDomain = clusterDomain
        options.dnsTimeout = Int64(dnsTimeout.seconds * 1e9)
        options.metadataPaths = metadata
        options.apiServers = apiServer.compactMap(Self.endpoint)
        options.keyLogPaths = tlsKeyLog
        options.podFilter = PodFilter(pods: pod, namespaces: namespace, workloads: workload)
        if format == .prometheus || format == .openmetrics || format == .html {
            options.metricsStep = step.flatMap(Self.duration)
            options.metricsStepFromCapture = step == nil
            options.metricLabels = label.compactMap(Self.metricLabel)
            options.retinaSeries = format != .html
        }
        options.streamGraphs = format == .html
        // JSON: sections are written as soon as they are final, on the thread that made them.
        let parts = format == .json ? JSONParts() : nil
        options.jsonParts = parts
        // NDJSON: records written as the pass finishes them, in the pass's order (one thread).
        var opened: OutputFile?
        if format == .ndjson {
            let file = try asUsageError { try output.open() }
            opened = file
            options.records = RecordWriter { text in try? file.write(text) }
            options.dnsThread = false
        }
        try runAnalysis(
            { try ReportRun.run(paths: capture.inputs, options: options, progress: $0) },
            inputs: { $0.report.inputs },
            render: { outcome, file in
                let metrics = outcome.metrics ?? MetricsModel(step: 1, firstStep: 0, lastStep: 0)
                let emit = file.write(_:)
                switch format {
                case .json: try JSONRenderer.render(outcome.report, parts: parts, emit: file.write(bytes:))
                case .ndjson: options.records?.flush()
                case .html:
                    try emit(HTMLRenderer.render(outcome.report, metrics: outcome.metrics, streamGraphs: outcome.streamGraphs))
                case .prometheus: try MetricsRenderer.prometheus(metrics, emit: emit)
                case .openmetrics: try MetricsRenderer.openMetrics(metrics, emit: emit)
                case .text: try emit(ReportTextRenderer.render(outcome.report, sections: sections, colour: output.colour))
                }
            },
            warnings: { [.prometheus, .openmetrics, .ndjson].contains(format) ? $0.report.warnings : [] },
            output: output, opened: opened)
    }
}
