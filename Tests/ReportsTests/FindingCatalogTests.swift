import Foundation
import Reports
import Testing
import _TestSupport

/// docs/findings.md is the catalogue, and the catalogue is every id the code raises.
struct FindingCatalogTests {
    /// Ids in `Finding(id: "...")` literals anywhere in Sources/ (a line break may follow the parenthesis).
    static func idsInSources() throws -> Set<String> {
        let root = Corpus.packageRoot.appendingPathComponent("Sources")
        var ids = Set<String>()
        let files = FileManager.default.enumerator(atPath: root.path)?.compactMap { $0 as? String } ?? []
        let pattern = try NSRegularExpression(pattern: #"Finding\(\s*id: "([A-Za-z.]+)""#)
        for f in files where f.hasSuffix(".swift") {
            let text = try String(contentsOf: root.appendingPathComponent(f), encoding: .utf8)
            for m in pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                ids.insert(String(text[Range(m.range(at: 1), in: text)!]))
            }
        }
        return ids
    }

    @Test func everyRaisedIdIsCatalogued() throws {
        let raised = try Self.idsInSources()
        let catalogued = Set(FindingCatalog.entries.map(\.id))
        #expect(raised.count >= 20)
        #expect(raised.subtracting(catalogued).isEmpty, "not in the catalogue: \(raised.subtracting(catalogued).sorted())")
        #expect(catalogued.subtracting(raised).isEmpty, "catalogued but never raised: \(catalogued.subtracting(raised).sorted())")
        #expect(catalogued.count == FindingCatalog.entries.count, "an id twice")
    }

    @Test func documentMatchesTheCatalogue() throws {
        let path = Corpus.packageRoot.appendingPathComponent("docs/findings.md").path
        if ProcessInfo.processInfo.environment["LOUPE_WRITE_FINDINGS"] == "1" {
            try FindingCatalog.markdown.write(toFile: path, atomically: true, encoding: .utf8)
        }
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(
            text == FindingCatalog.markdown,
            "docs/findings.md is stale: LOUPE_WRITE_FINDINGS=1 swift test --filter FindingCatalogTests")
    }

    /// The catalogue's severity is the one the builder gives (the first word where it varies).
    @Test func severitiesAgreeWithTheBuilder() throws {
        let root = Corpus.packageRoot.appendingPathComponent("Sources/Reports/Model/FindingsBuilder.swift")
        let text = try String(contentsOf: root, encoding: .utf8)
        for e in FindingCatalog.entries {
            guard let r = text.range(of: "Finding(id: \"\(e.id)\", severity: ") else { continue }
            let after = text[r.upperBound...].prefix(60)
            let base = String(e.severity.split(separator: ";")[0])
            if after.hasPrefix(".") {
                #expect(after.hasPrefix("." + base), "\(e.id): builder says \(after.prefix(12)), catalogue \(base)")
            } else {
                #expect(e.severity.contains(";"), "\(e.id): its severity varies in the builder")
            }
        }
    }
}
