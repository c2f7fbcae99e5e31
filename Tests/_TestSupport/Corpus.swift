import Foundation

/// The shared corpus beside the checkout (`../shared/corpus`): real captures and
/// tshark 4.0's answers for each. Tests skip with a message where it is absent.
public enum Corpus {
    public static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    public static var sharedRoot: URL? {
        let url = packageRoot.deletingLastPathComponent().appendingPathComponent("shared")
        return FileManager.default.fileExists(atPath: url.appendingPathComponent("corpus/public").path) ? url : nil
    }

    public static let missingMessage = "../shared/corpus is absent: corpus comparisons skipped"

    /// Every capture that has an oracle, as paths relative to corpus/public.
    public static func oracleCaptures() -> [String] {
        guard let root = sharedRoot?.appendingPathComponent("corpus/public-oracle") else { return [] }
        let dirs = (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []
        var out: [String] = []
        for dir in dirs.sorted() {
            let files = (try? FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent(dir).path)) ?? []
            for f in files.sorted() where f.hasSuffix(".json") { out.append(dir + "/" + String(f.dropLast(5))) }
        }
        return out
    }

    public static func capturePath(_ relative: String) -> String {
        sharedRoot!.appendingPathComponent("corpus/public/" + relative).path
    }

    public static func oracle(_ relative: String) throws -> [String: Any] {
        let url = sharedRoot!.appendingPathComponent("corpus/public-oracle/" + relative + ".json")
        let data = try Data(contentsOf: url)
        return try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
    }
}

/// Decimal seconds text ("1422527998.578402281") cut to microseconds ("1422527998.578402"),
/// as text: some real timestamps do not fit an Int64 of microseconds.
public func microseconds(_ text: String) -> String {
    let parts = text.split(separator: ".", omittingEmptySubsequences: false)
    let frac = parts.count > 1 ? String(parts[1]) : ""
    return String(parts[0]) + "." + String((frac + "000000").prefix(6))
}
