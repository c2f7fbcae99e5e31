@testable import Analyzer
import Foundation
import Reports
import Testing
import _TestSupport

/// With `ReportOptions.jsonParts`, sections are written as soon as they are final (TCP, TLS
/// and the API server while the DNS stage may still be at work, then DNS); the text
/// spliced from them is the text of the finished report, byte for byte, with pod metadata
/// or without.
struct JSONPartsTests {
    /// The report's text as Foundation's encoder writes it (the reference the renderer matches).
    static func reference(_ report: Report) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "inf",
            negativeInfinity: "-inf", nan: "nan")
        return String(decoding: try encoder.encode(report), as: UTF8.self) + "\n"
    }

    static func run(
        _ path: String, metadata: [String] = [], dnsThread: Bool, apiServer: String? = nil
    )
        throws -> (report: Report, parts: JSONParts)
    {
        var options = ReportOptions()
        options.metadataPaths = metadata.map { Fixtures.path($0) }
        options.dnsThread = dnsThread
        if let apiServer { options.apiServers = [try #require(PodDirectory.Endpoint(parsing: apiServer))] }
        let parts = JSONParts()
        options.jsonParts = parts
        return (try ReportRun.run(paths: [Fixtures.path(path)], options: options).report, parts)
    }

    @Test(arguments: [true, false])
    func partsWrittenAheadGiveTheSameText(dnsThread: Bool) throws {
        // DNS, TCP, TLS and an API server (the workload's endpoint on the fixture's server).
        let (report, parts) = try Self.run(
            "pcaps/pods/apiserver.pcapng", dnsThread: dnsThread,
            apiServer: "10.244.0.2:6443")
        #expect(parts.keys == ["dns", "tcp", "tls"])
        #expect(report.dns.queries > 0 && report.tls.handshakes > 0 && report.apiServer.connections > 0)
        #expect(JSONRenderer.render(report, parts: parts) == (try Self.reference(report)))
        #expect(JSONRenderer.render(report) == (try Self.reference(report)))
    }

    /// The text handed out in pieces (the file is written from them, never from a copy of the
    /// whole): the rest of the document and each section written ahead or apart where it stands, nine pieces for four
    /// parts, which put together are the reference text; an error of the output stops it.
    @Test func writtenInPieces() throws {
        let (report, parts) = try Self.run("pcaps/pods/apiserver.pcapng", dnsThread: true, apiServer: "10.244.0.2:6443")
        var pieces: [[UInt8]] = []
        try JSONRenderer.render(report, parts: parts) { pieces.append(Array($0)) }
        #expect(pieces.count == 9)
        #expect(String(decoding: pieces.joined(), as: UTF8.self) == (try Self.reference(report)))
        struct Full: Error {}
        var calls = 0
        #expect(throws: Full.self) {
            try JSONRenderer.render(report, parts: parts) { _ in
                calls += 1
                throw Full()
            }
        }
        #expect(calls == 1)
    }

    /// With parts the analyses are freed once their sections are built (before the text is
    /// written): what the report reads of them after (here the name table's overflow, the
    /// TLS settle count) is the same as without parts.
    @Test(arguments: [true, false])
    func freedAnalysesLeaveTheSameReport(dnsThread: Bool) throws {
        var options = ReportOptions()
        options.dnsThread = dnsThread
        options.dnsNames = 2
        options.apiServers = [try #require(PodDirectory.Endpoint(parsing: "10.244.0.2:6443"))]
        let path = Fixtures.path("pcaps/pods/apiserver.pcapng")
        let plain = try ReportRun.run(paths: [path], options: options)
        options.jsonParts = JSONParts()
        let ahead = try ReportRun.run(paths: [path], options: options)
        #expect(plain.report.warnings.contains { $0.contains("distinct names") })
        #expect(ahead.report.warnings == plain.report.warnings)
        #expect(ahead.settledTLSSessions == plain.settledTLSSessions)
        #expect(JSONRenderer.render(ahead.report, parts: options.jsonParts) == JSONRenderer.render(plain.report))
    }

    /// With pod metadata, rows are named before their section is written ahead: the text
    /// spliced from the parts names the same pods as the finished report.
    @Test(arguments: [true, false])
    func aheadWithPodMetadata(dnsThread: Bool) throws {
        let (report, parts) = try Self.run(
            "pcaps/pods/apiserver.pcapng", metadata: ["pods/apiserver.kubectl.json"],
            dnsThread: dnsThread)
        #expect(parts.keys == ["dns", "tcp", "tls"])
        #expect(report.pods.count > 0)
        #expect(report.tcp.flows.rows.contains { $0.clientPod != nil || $0.serverPod != nil })
        #expect(report.dns.transactionList.rows.contains { $0.clientPod != nil })
        #expect(JSONRenderer.render(report, parts: parts) == (try Self.reference(report)))
    }
}
