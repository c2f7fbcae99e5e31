import Foundation
@testable import Reports
import Testing
import _TestSupport

/// Every finding's evidence: rows that are a key path of the report (checked against the
/// published schema), a display filter tshark compiles, flows `loupe extract --finding`
/// writes (tshark counts their packets), and HTML links that all resolve.
struct FindingEvidenceTests {
    /// The schema's properties along a key path ("tcp.flows"): nil when a key is not there.
    static func schemaNode(_ path: String) throws -> [String: Any]? {
        let data = try #require(
            FileManager.default.contents(atPath: Corpus.packageRoot.appendingPathComponent("docs/report.schema.json").path))
        let schema = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let defs = schema["$defs"] as? [String: Any] ?? [:]
        /// An object node: `$ref`s followed, the object alternative of a `oneOf` taken.
        func resolve(_ n: [String: Any]) -> [String: Any] {
            if let ref = n["$ref"] as? String, let d = defs[String(ref.split(separator: "/").last ?? "")] as? [String: Any] {
                return resolve(d)
            }
            if let alternatives = n["oneOf"] as? [[String: Any]] {
                return alternatives.map(resolve).first { $0["properties"] != nil } ?? n
            }
            return n
        }
        var node = resolve(schema)
        for key in path.split(separator: ".") {
            guard let next = (node["properties"] as? [String: Any])?[String(key)] as? [String: Any] else { return nil }
            node = resolve(next)
        }
        return node
    }

    @Test func everyFindingHasEvidenceWhereTheReportHasIt() throws {
        for entry in FindingCatalog.entries {
            let f = Finding(id: entry.id, severity: .warning, section: "x", title: "t")
            let e = try #require(FindingEvidence.of(f, in: Report.empty), "\(entry.id) has no evidence")
            #expect(try Self.schemaNode(e.rows) != nil, "\(entry.id): \(e.rows) is not a key path of the report")
        }
    }

    @Test(.enabled(if: TShark.available, "tshark is absent"))
    func displayFiltersCompile() throws {
        var report = Report.empty
        report.apiServer.endpoints = ["10.96.0.1:443", "[fd00::1]:6443"]
        let filters = Set(
            FindingCatalog.entries.compactMap {
                FindingEvidence.of(Finding(id: $0.id, severity: .warning, section: "x", title: "t"), in: report)?.displayFilter
            })
        #expect(filters.count >= 12)
        for filter in filters {
            let r = try run(TShark.path, ["-r", Fixtures.path("pcaps/api/https.pcapng"), "-Y", filter, "-c", "1"])
            #expect(r.status == 0, "\(filter): \(r.stderr)")
        }
    }

    @Test(.enabled(if: TShark.available, "tshark is absent"))
    func extractTheFlowsOfAFinding() throws {
        let impaired = Fixtures.path("pcaps/diff/impaired.pcapng")
        let r = try LoupeBinary.json(["report", "--format", "json", impaired])
        let findings = try #require(r.json["findings"] as? [[String: Any]])
        let n = try #require(findings.firstIndex { $0["id"] as? String == "tcp.retransmissions" }) + 1
        let flows = try #require((findings[n - 1]["evidence"] as? [String: Any])?["flows"] as? [String])
        let rows = ((r.json["tcp"] as? [String: Any])?["flows"] as? [String: Any])?["rows"] as? [[String: Any]] ?? []
        let packets = rows.filter { flows.contains($0["id"] as? String ?? "") }.reduce(0) { $0 + ($1["packets"] as? Int ?? 0) }
        #expect(!flows.isEmpty && packets > 0)
        // Its frames are retransmissions in tshark's analysis of the same file.
        let frames = try #require((findings[n - 1]["evidence"] as? [String: Any])?["frames"] as? [Int])
        let retransmitted = Set(
            try run(
                TShark.path,
                [
                    "-r", impaired, "-Y", "tcp.analysis.retransmission || tcp.analysis.fast_retransmission",
                    "-T", "fields", "-e", "frame.number",
                ]
            ).stdout.split(separator: "\n").compactMap { Int($0) })
        #expect(!frames.isEmpty && Set(frames).isSubset(of: retransmitted), "\(frames) against \(retransmitted.sorted())")
        // Each row keeps its first retransmissions' frames, at most 5 (the fixture's worst has 11).
        #expect(rows.contains { ($0["retransmissions"] as? Int ?? 0) > 5 })
        for row in rows {
            let kept = (row["retransmittedFrames"] as? [Int] ?? []).count
            #expect(kept == min(row["retransmissions"] as? Int ?? 0, 5), "\(row["id"] ?? "")")
        }
        let out = temporaryFile([], suffix: ".pcapng")
        let x = try LoupeBinary.run(["extract", "--finding", "\(n)", "-o", out, impaired])
        #expect(x.status == 0 && x.stdout.hasPrefix("finding \(n): "))
        #expect(try run(TShark.path, ["-r", out]).stdout.split(separator: "\n").count == packets)
        // More than extract's 1 MiB of pending bytes (PacketExtractor.flushBytes): written in parts.
        let size = (try FileManager.default.attributesOfItem(atPath: out)[.size] as? Int) ?? 0
        #expect(size > 1 << 20, "\(size) bytes")
        let none = try LoupeBinary.run(["extract", "--finding", "\(findings.count + 1)", "-o", out, impaired])
        #expect(none.status == 2 && none.stderr.contains("has \(findings.count)"))
    }

    /// A finding without flows: its capture filter compiles and selects exactly the packets
    /// its display filter names in tshark (SERVFAIL and NXDOMAIN responses); every capture
    /// filter of the catalogue compiles in libpcap.
    @Test(.enabled(if: TShark.available, "tshark is absent"))
    func extractByCaptureFilter() throws {
        for (capture, id, rcode) in [
            ("pcaps/dns/malformed.pcap", "dns.servfail", 2), ("pcaps/dns/host-search.pcapng", "dns.searchPath", 3),
        ] {
            let path = Fixtures.path(capture)
            let findings = try LoupeBinary.json(["report", "--format", "json", path]).json["findings"] as? [[String: Any]] ?? []
            let n = try #require(findings.firstIndex { $0["id"] as? String == id }) + 1
            let out = temporaryFile([], suffix: ".pcapng")
            let x = try LoupeBinary.run(["extract", "--finding", "\(n)", "-o", out, path])
            #expect(x.status == 0 && x.stdout.contains("capture filter: "))
            let expected = try run(TShark.path, ["-r", path, "-Y", "dns.flags.rcode == \(rcode)"]).stdout.split(separator: "\n")
                .count
            let written = try run(TShark.path, ["-r", out]).stdout.split(separator: "\n").count
            #expect(expected > 0 && written == expected, "\(id)")
        }
        var report = Report.empty
        report.apiServer.endpoints = ["10.96.0.1:443", "[fd00::1]:6443"]
        for entry in FindingCatalog.entries {
            guard
                let bpf = FindingEvidence.of(Finding(id: entry.id, severity: .warning, section: "x", title: "t"), in: report)?
                    .captureFilter
            else { continue }
            let r = try LoupeBinary.run(["summary", "--filter", bpf, Fixtures.path("pcaps/api/https.pcapng")])
            #expect(r.status == 0, "\(entry.id): \(bpf): \(r.stderr)")
        }
    }

    /// Text and HTML show the evidence; every in-page link of the HTML report has its target.
    @Test func rendered() throws {
        let impaired = Fixtures.path("pcaps/diff/impaired.pcapng"), pods = Fixtures.path("pods/diff.kubectl.json")
        let text = try LoupeBinary.run(["report", "--section", "findings", impaired]).stdout
        #expect(text.contains("evidence: tcp.flows; Wireshark: tcp.analysis.retransmission"))
        // Two nodes' captures: the path findings link to the path section.
        let path = [Fixtures.path("pcaps/path/node-1.pcapng.gz"), Fixtures.path("pcaps/path/node-2.pcapng.gz")]
        for inputs in [[impaired], ["--pods", pods, impaired], [Fixtures.path("bundles/pods")], path] {
            let html = try LoupeBinary.run(["report", "--format", "html"] + inputs).stdout
            let targets = Set(html.matches(of: /href="#([^"]+)"/).map { String($0.output.1) })
            let ids = Set(html.matches(of: /\sid="([^"]+)"/).map { String($0.output.1) })
            #expect(!targets.isEmpty && targets.isSubset(of: ids), "\(inputs): \(targets.subtracting(ids))")
            if inputs == path { #expect(targets.contains("path-section"), "path.loss and path.delay link to the path section") }
        }
    }
}
