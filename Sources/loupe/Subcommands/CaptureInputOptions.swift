import Analyzer
import ArgumentParser
import Bundles
import CaptureFormats
import CommandLineExit
import Foundation
import Reports

/// The arguments every capture-reading command takes.
struct CaptureInputOptions: ParsableArguments {
    @Argument(help: "Capture files: pcap or pcapng, optionally gzip- or zstd-compressed.")
    var inputs: [String]

    @Option(help: "BPF filter expression (pcap-filter(7)).")
    var filter: String?

    @Option(help: "Cap on live flows; when reached the least recently active are evicted and counted.")
    var maxFlows: Int = FlowLimits().maximumFlows

    @Flag(help: "Treat every input as one observation point (a mergecap-like merge), not a node each.")
    var samePoint = false

    func validate() throws {
        guard maxFlows >= 1 else { throw ValidationError("--max-flows must be at least 1") }
    }
}

/// Output formats of the reporting commands.
enum TextOrJSON: String, ExpressibleByArgument, CaseIterable { case text, json }

/// Runs `body`, turning unreadable input, bad filters and bad metadata into a message on
/// stderr and exit status 2, as every command must.
func asUsageError<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as CaptureOpenError {
        throw fail(error.description, status: ExitStatus.usage)
    } catch let error as FilterError {
        throw fail(error.description, status: ExitStatus.usage)
    } catch let error as MetadataError {
        throw fail(error.description, status: ExitStatus.usage)
    }
}

/// Runs an analysis the way every command does: unreadable input and bad filters exit 2,
/// the rendered report is written, damage is named on stderr (file and offset) and exits 3.
func runAnalysis<Outcome>(
    _ analyse: (_ progress: @escaping (Int) -> Void) throws -> Outcome,
    inputs: (Outcome) -> [InputSummary],
    render: (Outcome, _ output: OutputFile) throws -> Void,
    warnings: (Outcome) -> [String] = { _ in [] }, output: OutputOptions,
    opened: OutputFile? = nil
) throws {
    let progress = Progress()
    let outcome = try asUsageError { try analyse(progress.packets) }
    progress.done()
    do {
        // `opened`: the output was opened before the analysis (records written as it goes).
        let file = try opened ?? output.open()
        defer { file.close() }
        try render(outcome, file)
    } catch { throw fail("\(error)", status: ExitStatus.usage) }
    // For formats with no place for them: what a bound left out goes to stderr.
    for warning in warnings(outcome) { FileHandle.standardError.write(Data("loupe: warning: \(warning)\n".utf8)) }
    var damaged = false
    for input in inputs(outcome) {
        if let damage = input.damage {
            damaged = true
            FileHandle.standardError.write(
                Data("loupe: \(input.path): damaged at byte \(damage.offset): \(damage.message)\n".utf8))
        }
    }
    if damaged { throw ExitCode(ExitStatus.damaged) }
}
