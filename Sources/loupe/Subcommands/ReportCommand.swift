import Analyzer
import ArgumentParser
import Reports

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Analyse captures: TCP retransmissions, losses, RTT and connection states.",
        discussion: "Every section comes from one pass over the inputs; several inputs are merged in time order.")

    @OptionGroup var capture: CaptureInputOptions

    @Option(help: "Output format: text or json.")
    var format: TextOrJSON = .text

    @Option(help: "Rows in every list; the rest are counted.")
    var rows: Int = 1000

    @Option(help: "The cluster's DNS domain, for search-path expansion.")
    var clusterDomain = "cluster.local"

    @Option(help: "Seconds within which a repeated DNS query is a retransmission, not a new transaction (tshark: 5).")
    var dnsTimeout: Double = 5

    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard rows >= 0 else { throw ValidationError("--rows must be 0 or more") }
        guard dnsTimeout > 0, dnsTimeout < 3600 else { throw ValidationError("--dns-timeout must be between 0 and 3600 seconds") }
    }

    func run() throws {
        var options = ReportOptions()
        options.filter = capture.filter
        options.rows = rows
        options.flowLimits.maximumFlows = capture.maxFlows
        options.clusterDomain = clusterDomain
        options.dnsTimeout = Int64(dnsTimeout * 1e9)
        try runAnalysis({ try ReportRun.run(paths: capture.inputs, options: options, progress: $0) },
                        inputs: { $0.report.inputs },
                        render: { format == .json ? JSONRenderer.render($0.report) : ReportTextRenderer.render($0.report) },
                        output: output)
    }
}
