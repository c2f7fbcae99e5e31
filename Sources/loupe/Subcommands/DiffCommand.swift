import Analyzer
import ArgumentParser
import CaptureFormats
import CommandLineExit
import Foundation
import Reports

/// `loupe diff BASE CANDIDATE`: what got worse and what got better between two captures
/// (or two JSON reports), per section and per pod.
struct DiffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Compare two captures or JSON reports: regressions and improvements, side by side.",
        discussion: "A change counts when it passes both --threshold (relative) and the absolute floor of its kind.")

    @Argument(help: "The base: a capture, a bundle directory, or a `loupe report --format json` file.")
    var base: String

    @Argument(help: "The candidate, in the same forms.")
    var candidate: String

    @Option(name: .customLong("pods"), help: ArgumentHelp("Cluster metadata for both (repeatable).", valueName: "file"))
    var metadata: [String] = []

    @Option(help: "Relative change that matters, e.g. 20%.")
    var threshold = "20%"

    @Option(
        help: ArgumentHelp(
            "Smallest latency change that matters: 1ms, 0.5s (a bare number is milliseconds).",
            valueName: "duration"))
    var minLatency = DurationArgument<Milliseconds>(seconds: 0.001)

    @Option(help: "Smallest change of a share that matters, in percentage points.")
    var minShare: Double = 0.5

    @Flag(help: "Exit 1 when anything got worse.")
    var failOnRegression = false

    @Option(help: "Output format: text or json.")
    var format: TextOrJSON = .text

    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard let t = Double(threshold.hasSuffix("%") ? String(threshold.dropLast()) : threshold), t >= 0 else {
            throw ValidationError("--threshold \(threshold): a percentage, e.g. 20%")
        }
        guard minLatency.seconds >= 0, minShare >= 0 else { throw ValidationError("--min-latency and --min-share are 0 or more") }
    }

    func load(_ path: String) throws -> Report {
        if path.hasSuffix(".json") {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw fail("\(path): cannot read", status: ExitStatus.usage)
            }
            do { return try JSONDecoder().decode(Report.self, from: data) } catch {
                throw fail("\(path): not a loupe report (\(error))", status: ExitStatus.usage)
            }
        }
        var options = ReportOptions()
        options.metadataPaths = metadata
        return try asUsageError { try ReportRun.run(paths: [path], options: options).report }
    }

    func run() throws {
        var t = ReportDiff.Thresholds()
        t.relative = (Double(threshold.hasSuffix("%") ? String(threshold.dropLast()) : threshold) ?? 20) / 100
        t.latency = minLatency.seconds
        t.share = minShare / 100
        let changes = ReportDiff.compare(try load(base), try load(candidate), thresholds: t)
        let worse = changes.filter(\.worse), better = changes.filter { !$0.worse }
        switch format {
        case .json:
            struct Output: Encodable {
                var schema = "loupe.diff/1"
                var base: String, candidate: String
                var regressions: [ReportDiff.Change], improvements: [ReportDiff.Change]
            }
            try output.write(
                JSONRenderer.render(
                    Output(
                        base: base, candidate: candidate, regressions: worse,
                        improvements: better)))
        case .text:
            var text = "\(base) -> \(candidate)\n"
            if changes.isEmpty { text += "no change past the thresholds\n" }
            for c in worse { text += "WORSE  " + c.text + "\n" }
            for c in better { text += "BETTER " + c.text + "\n" }
            try output.write(text)
        }
        if failOnRegression && !worse.isEmpty { throw ExitCode(ExitStatus.checkFailed) }
    }
}
