import ArgumentParser
import Foundation

/// Where a report goes, shared by every reporting subcommand.
struct OutputOptions: ParsableArguments {
    @Option(name: [.short, .customLong("output")], help: "Write the report to FILE instead of standard output.")
    var output: String?

    /// Colour only on a terminal, and never with NO_COLOR set (no-color.org).
    var colour: Bool {
        output == nil && isatty(1) == 1 && (ProcessInfo.processInfo.environment["NO_COLOR"] ?? "").isEmpty
    }

    func write(_ text: String) throws {
        guard let output else {
            FileHandle.standardOutput.write(Data(text.utf8))
            return
        }
        guard FileManager.default.createFile(atPath: output, contents: Data(text.utf8)) else {
            throw UserError("cannot write \(output)")
        }
    }
}

/// An error the user can fix, printed as "loupe: message", exit status 2.
struct UserError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Progress on stderr only when it is a terminal, so pipes and CI logs stay quiet.
struct Progress {
    let enabled = isatty(2) == 1
    func packets(_ n: Int) {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\r  \(n) packets read".utf8))
    }
    func done() {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }
}

func fail(_ message: String, status: Int32) -> ExitCode {
    FileHandle.standardError.write(Data("loupe: \(message)\n".utf8))
    return ExitCode(status)
}
