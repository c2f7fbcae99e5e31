import Analyzer
import ArgumentParser
import Reports

struct Summary: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "What is in these captures: files, protocols, conversations.",
        discussion: "Like capinfos, tshark -z io,phs and -z conv together, in one pass. Several inputs are merged in time order.")

    @OptionGroup var capture: CaptureInputOptions

    @Option(help: "Output format: text or json.")
    var format: TextOrJSON = .text

    @Option(help: "Conversations to list; the rest are counted.")
    var rows: Int = 20

    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard rows >= 0 else { throw ValidationError("--rows must be 0 or more") }
    }

    func run() throws {
        var options = SummaryOptions()
        options.filter = capture.filter
        options.rows = rows
        options.flowLimits.maximumFlows = capture.maxFlows
        options.samePoint = capture.samePoint
        try runAnalysis(
            { try SummaryRun.run(paths: capture.inputs, options: options, progress: $0) },
            inputs: { $0.report.inputs },
            render: { try $1.write(format == .json ? JSONRenderer.render($0.report) : SummaryTextRenderer.render($0.report)) },
            output: output)
    }
}
