import ArgumentParser
import Foundation

/// Exit statuses shared by every command (DEVELOPERS.md).
enum ExitStatus {
    static let ok: Int32 = 0
    static let checkFailed: Int32 = 1
    static let usage: Int32 = 2
    static let damaged: Int32 = 3
}

@main
struct Loupe: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "loupe",
        abstract: "Offline network-trace workbench for Kubernetes captures.",
        discussion: """
            Exit status: 0 ok; 1 a check or rule failed; 2 usage error or unreadable input; \
            3 damaged input (partial results still written).
            """,
        version: "0.1.0",
        subcommands: [Summary.self, ReportCommand.self])

    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let exit as ExitCode {
            Foundation.exit(exit.rawValue)
        } catch {
            // Help and version requests exit 0; everything else the parser rejects is a
            // usage error, status 2 (ArgumentParser's own default would be 64).
            let code = exitCode(for: error)
            let message = fullMessage(for: error)
            if code == .success {
                print(message)
                Foundation.exit(ExitStatus.ok)
            }
            FileHandle.standardError.write(Data((message + "\n").utf8))
            Foundation.exit(ExitStatus.usage)
        }
    }
}
