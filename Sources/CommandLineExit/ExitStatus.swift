import ArgumentParser
import Foundation

/// The exit statuses every Loupe command shares (README: 0 ok, 1 a check failed, 2 usage
/// or unreadable input, 3 damaged input with partial results written).
public enum ExitStatus {
    public static let ok: Int32 = 0
    public static let checkFailed: Int32 = 1
    public static let usage: Int32 = 2
    public static let damaged: Int32 = 3
}

extension ParsableCommand {
    /// Parses and runs like ArgumentParser's `main()`, but with Loupe's statuses: help and
    /// version exit 0 on stdout; anything the parser rejects is a usage error, status 2
    /// (ArgumentParser's own default would be 64); an `ExitCode` thrown by a command stands.
    public static func mainWithExitStatus() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let exit as ExitCode {
            Foundation.exit(exit.rawValue)
        } catch {
            let message = fullMessage(for: error)
            if exitCode(for: error) == .success {
                print(message)
                Foundation.exit(ExitStatus.ok)
            }
            FileHandle.standardError.write(Data((message + "\n").utf8))
            Foundation.exit(ExitStatus.usage)
        }
    }
}
