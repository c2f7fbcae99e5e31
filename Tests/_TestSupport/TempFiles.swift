import Foundation

/// One directory per test process, removed when the process exits, so test files never
/// pile up in /tmp whatever a test does with them.
let temporaryDirectory: String = {
    let dir = NSTemporaryDirectory() + "loupe-tests-\(getpid())/"
    try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    atexit { try? FileManager.default.removeItem(atPath: NSTemporaryDirectory() + "loupe-tests-\(getpid())") }
    return dir
}()

/// Writes bytes to a fresh temporary file and returns its path.
public func temporaryFile(_ bytes: [UInt8], suffix: String = ".cap") -> String {
    let path = temporaryDirectory + "loupe-test-" + UUID().uuidString + suffix
    FileManager.default.createFile(atPath: path, contents: Data(bytes))
    return path
}

/// Runs a program; returns its exit status, standard output and standard error.
@discardableResult
public func run(
    _ executable: String, _ arguments: [String], stdin: [UInt8]? = nil,
    in directory: String? = nil
) throws -> (status: Int32, stdout: String, stderr: String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: executable)
    p.arguments = arguments
    if let directory { p.currentDirectoryURL = URL(fileURLWithPath: directory) }
    let out = Pipe(), err = Pipe()
    p.standardOutput = out
    p.standardError = err
    if let stdin {
        let inPipe = Pipe()
        p.standardInput = inPipe
        try p.run()
        inPipe.fileHandleForWriting.write(Data(stdin))
        try inPipe.fileHandleForWriting.close()
    } else {
        try p.run()
    }
    let o = out.fileHandleForReading.readDataToEndOfFile()
    let e = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
}

/// Pipes `bytes` through a compressor such as /usr/bin/gzip or /usr/bin/zstd.
public func compress(_ bytes: [UInt8], with tool: String) throws -> [UInt8] {
    let input = temporaryFile(bytes)
    defer { try? FileManager.default.removeItem(atPath: input) }
    let p = Process()
    p.executableURL = URL(fileURLWithPath: tool)
    p.arguments = ["-c", input]
    let out = Pipe()
    p.standardOutput = out
    p.standardError = FileHandle.nullDevice
    try p.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return Array(data)
}
