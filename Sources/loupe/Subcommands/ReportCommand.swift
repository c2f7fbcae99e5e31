import Analyzer
import ArgumentParser
import CaptureFormats
import Foundation
import Reports

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Analyse captures: TCP retransmissions, losses, RTT and connection states.",
        discussion: "Every section comes from one pass over the inputs; several inputs are merged in time order.")

    enum Format: String, ExpressibleByArgument, CaseIterable { case text, json }

    @Argument(help: "Capture files: pcap or pcapng, optionally gzip- or zstd-compressed.")
    var inputs: [String]

    @Option(help: "Output format: text or json.")
    var format: Format = .text

    @Option(help: "BPF filter expression (pcap-filter(7)).")
    var filter: String?

    @Option(help: "Rows in every list; the rest are counted.")
    var rows: Int = 1000

    @Option(help: "Cap on live flows; when reached the least recently active are evicted and counted.")
    var maxFlows: Int = FlowTable.Limits().maximumFlows

    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard rows >= 0 else { throw ValidationError("--rows must be 0 or more") }
        guard maxFlows >= 1 else { throw ValidationError("--max-flows must be at least 1") }
    }

    func run() throws {
        var options = ReportOptions()
        options.filter = filter
        options.rows = rows
        options.flowLimits.maximumFlows = maxFlows
        let progress = Progress()
        let outcome: ReportOutcome
        do {
            outcome = try ReportRun.run(paths: inputs, options: options, progress: progress.packets)
        } catch let error as CaptureOpenError {
            throw fail(error.description, status: ExitStatus.usage)
        } catch let error as FilterError {
            throw fail(error.description, status: ExitStatus.usage)
        }
        progress.done()
        let text = format == .json ? JSONRenderer.render(outcome.report) : ReportTextRenderer.render(outcome.report)
        do { try output.write(text) } catch { throw fail("\(error)", status: ExitStatus.usage) }
        for input in outcome.report.inputs {
            if let damage = input.damage {
                FileHandle.standardError.write(Data("loupe: \(input.path): damaged at byte \(damage.offset): \(damage.message)\n".utf8))
            }
        }
        if outcome.damaged { throw ExitCode(ExitStatus.damaged) }
    }
}
