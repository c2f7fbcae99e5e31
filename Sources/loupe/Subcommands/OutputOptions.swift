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
        let file = try open()
        defer { file.close() }
        try file.write(text)
    }

    /// The destination, opened (created or truncated) once, for output written in parts.
    func open() throws -> OutputFile {
        guard let output else { return OutputFile(name: "standard output", descriptor: 1, owned: false) }
        let fd = Foundation.open(output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw UserError("cannot write \(output): \(String(cString: strerror(errno)))") }
        return OutputFile(name: output, descriptor: fd, owned: true)
    }
}

/// An open output. Text is written from its own UTF-8 storage: a `Data` copy of it doubled
/// the memory a large report (tens of MB of OpenMetrics) held at the end.
struct OutputFile {
    let name: String
    let descriptor: Int32
    let owned: Bool

    func write(_ text: String) throws {
        var text = text
        try text.withUTF8 { try write(bytes: $0) }
    }

    /// Bytes written as they stand (a report written in pieces).
    func write(bytes: UnsafeBufferPointer<UInt8>) throws {
        var done = 0
        while done < bytes.count {
            let n = Foundation.write(descriptor, bytes.baseAddress! + done, bytes.count - done)
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                let reason = String(cString: strerror(errno))
                removePartialFile()
                throw UserError("cannot write \(name): \(reason)")
            }
            done += n
        }
    }

    func close() {
        if owned { _ = Foundation.close(descriptor) }
    }

    /// A report cut short (a full disk) is not left behind to be read as a whole one; only
    /// a regular file is removed (never a device such as /dev/full, nor standard output).
    private func removePartialFile() {
        var info = stat()
        guard owned, fstat(descriptor, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return }
        unlink(name)
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
