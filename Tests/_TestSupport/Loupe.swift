import Foundation

/// The `loupe` binary built beside the test bundle.
public enum LoupeBinary {
    public static var path: String {
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("loupe").path,
            Corpus.packageRoot.appendingPathComponent(".build/debug/loupe").path,
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates[1]
    }

    public static func run(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        try _TestSupport.run(path, arguments)
    }

    /// Runs `loupe` and parses its standard output as JSON.
    public static func json(_ arguments: [String]) throws -> (status: Int32, json: [String: Any]) {
        let r = try run(arguments)
        let object = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any] ?? [:]
        return (r.status, object)
    }
}

/// The project's own recorded fixtures and their committed tshark oracles.
public enum Fixtures {
    public static func path(_ relative: String) -> String {
        Corpus.packageRoot.appendingPathComponent("fixtures/" + relative).path
    }

    public static func oracle(_ capture: String) throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path("tshark/" + capture + ".json")))
        return try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
    }
}
