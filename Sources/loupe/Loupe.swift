import ArgumentParser
import CommandLineExit
import Foundation

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
        subcommands: [Summary.self, ReportCommand.self, CheckCommand.self, DiffCommand.self, ExtractCommand.self])

    static func main() { mainWithExitStatus() }
}
