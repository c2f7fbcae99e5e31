import Analyzer
import ArgumentParser
import CaptureFormats
import CommandLineExit
import Foundation
import Reports
import Rules

/// `loupe check`: rules (YAML) judged against the report of the captures, for CI.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Judge captures against rules: exit 0 when every rule holds, 1 when one fails.",
        discussion: """
            Rules (YAML): a top-level `rules` list; each has a `name`, a `condition` on a value of the JSON \
            report (dns.latency.p99 < 50ms, dns.rcodes.SERVFAIL == 0, tcp.retransmissionRate < 1%) and an optional \
            `scope` (namespace, workload, pod or server). Damaged input exits 3 unless --allow-damaged.
            """)

    @OptionGroup var capture: CaptureInputOptions

    @Option(help: ArgumentHelp("The rules file (YAML).", valueName: "file"))
    var rules: String

    @Option(
        name: .customLong("pods"), help: ArgumentHelp("Cluster metadata, as for `loupe report` (repeatable).", valueName: "file"))
    var metadata: [String] = []

    @Option(help: "Output format: text or json.")
    var format: TextOrJSON = .text

    @Option(help: ArgumentHelp("Also write JUnit XML here, for CI systems to display.", valueName: "file"))
    var junit: String?

    @Flag(help: "Judge the partial results of a damaged capture instead of exiting 3.")
    var allowDamaged = false

    @OptionGroup var output: OutputOptions

    func run() throws {
        // The rules are checked before any capture is read.
        let parsed: [Rule]
        do {
            parsed = try RulesFile.load(path: rules)
        } catch {
            throw fail(error.description, status: ExitStatus.usage)
        }
        var options = ReportOptions()
        options.filter = capture.filter
        options.flowLimits.maximumFlows = capture.maxFlows
        options.samePoint = capture.samePoint
        options.metadataPaths = metadata
        let outcome = try asUsageError { try ReportRun.run(paths: capture.inputs, options: options) }
        let verdicts = Judge.judge(parsed, outcome.report)
        let failed = verdicts.filter { !$0.passed }
        if let junit {
            guard FileManager.default.createFile(atPath: junit, contents: Data(Judge.junit(verdicts).utf8)) else {
                throw fail("cannot write \(junit)", status: ExitStatus.usage)
            }
        }
        switch format {
        case .json:
            struct Output: Encodable { var schema = "loupe.check/1"; var passed: Bool; var rules: [Verdict] }
            try output.write(JSONRenderer.render(Output(passed: failed.isEmpty, rules: verdicts)))
        case .text:
            var text = ""
            for v in verdicts { text += (v.passed ? "PASS " : "FAIL ") + v.name + ": " + v.message + "\n" }
            text += "\(verdicts.count) rules: \(verdicts.count - failed.count) passed, \(failed.count) failed\n"
            try output.write(text)
        }
        let damaged = outcome.report.inputs.filter { $0.damage != nil }
        for input in damaged {
            FileHandle.standardError.write(
                Data("loupe: \(input.path): damaged at byte \(input.damage!.offset): \(input.damage!.message)\n".utf8))
        }
        if !damaged.isEmpty && !allowDamaged { throw ExitCode(ExitStatus.damaged) }
        if !failed.isEmpty { throw ExitCode(ExitStatus.checkFailed) }
    }
}
