import Foundation
import Testing
import _TestSupport

/// A capture inside an archive is named by the archive as given and its path inside it, never
/// by the temporary folder it was unpacked to; the text report's first line is not wrapped.
struct InputNameTests {
    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/bin/tar")))
    func archiveInputIsNamedAsGiven() throws {
        let stage = temporaryFile([], suffix: ".d")
        try FileManager.default.removeItem(atPath: stage)
        let name = "node-with-a-rather-long-name-so-that-the-title-line-passes-one-hundred-columns"
        try FileManager.default.createDirectory(atPath: stage + "/" + name, withIntermediateDirectories: true)
        try FileManager.default.copyItem(
            atPath: Fixtures.path("pcaps/dns/search-path.pcapng"),
            toPath: stage + "/" + name + "/capture.pcapng")
        let archive = stage + ".tar.gz"
        try run("/bin/tar", ["-czf", archive, "-C", stage, name])
        let text = try LoupeBinary.run(["report", archive])
        #expect(text.status == 0)
        let first = text.stdout.split(separator: "\n").first.map(String.init) ?? ""
        // The archive's one top folder is the bundle (as Retina packs it): named by the archive.
        #expect(first.hasPrefix(archive + "/capture.pcapng: "), "\(first)")
        #expect(first.count > 100, "one line, not wrapped")
        #expect(!text.stdout.contains("loupe-bundles"))
        let (_, json) = try LoupeBinary.json(["report", "--format", "json", archive])
        let inputs = json["inputs"] as? [[String: Any]] ?? []
        #expect(inputs.first?["path"] as? String == archive + "/capture.pcapng")
    }
}
