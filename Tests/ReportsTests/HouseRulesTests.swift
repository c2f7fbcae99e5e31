import Foundation
import Testing
import _TestSupport

/// The house limit: no Swift file in Sources/ over 400 lines (one concept per file).
struct HouseRulesTests {
    @Test func noSourceFileOver400Lines() throws {
        let root = Corpus.packageRoot.appendingPathComponent("Sources")
        let files = FileManager.default.enumerator(atPath: root.path)?.compactMap { $0 as? String } ?? []
        var long: [String] = []
        for f in files where f.hasSuffix(".swift") {
            let text = try String(contentsOf: root.appendingPathComponent(f), encoding: .utf8)
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false).count - (text.hasSuffix("\n") ? 1 : 0)
            if lines > 400 { long.append("\(f): \(lines)") }
        }
        #expect(files.count > 100)
        #expect(long.isEmpty, "over 400 lines: \(long)")
    }
}
