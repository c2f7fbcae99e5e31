import Foundation
import Testing
import _TestSupport

/// Golden replay: every fixture's expected report is committed (fixtures/golden/, listed in
/// cases.tsv); the test regenerates each from the repository root and compares byte for byte.
/// After an intended change: `scripts/update-golden`, then review the diff.
struct GoldenReportTests {
    static func cases() -> [(String, [String])] {
        let text = (try? String(contentsOfFile: Fixtures.path("golden/cases.tsv"), encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { line in
            guard !line.hasPrefix("#") else { return nil }
            let parts = line.split(separator: "\t", maxSplits: 1)
            guard parts.count == 2 else { return nil }
            return (String(parts[0]), parts[1].split(separator: " ").map(String.init))
        }
    }

    @Test func everyCaseMatchesItsGolden() throws {
        let cases = Self.cases()
        #expect(cases.count >= 8)
        for (name, args) in cases {
            let r = try run(LoupeBinary.path, args, in: Corpus.packageRoot.path)
            #expect(r.status == 0 || (name.hasSuffix(".check") && r.status == 1), "\(name): \(r.stderr)")
            let golden = try String(contentsOfFile: Fixtures.path("golden/\(name).json"), encoding: .utf8)
            #expect(r.stdout == golden, "\(name) differs from fixtures/golden/\(name).json: run scripts/update-golden and review")
        }
    }
}
