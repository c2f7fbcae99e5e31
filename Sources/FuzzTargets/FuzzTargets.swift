import Analyzer
import Bundles
import CaptureFormats
import Dissectors
import Foundation
import Reports
import Rules

/// What the fuzzers feed: one function per parser family, each taking arbitrary bytes and
/// returning nothing (a trap is the finding). The same functions replay committed inputs in
/// the tests (Tests/FuzzRegressionTests), so every crash found stays a regression test.
public enum FuzzTargets {
    public static let names = [
        "capture", "frame", "dns", "tls", "quic", "http", "rules", "metadata", "bundle", "events", "chain",
    ]

    public static func run(_ target: String, _ bytes: UnsafeRawBufferPointer) {
        switch target {
        case "capture": capture(bytes)
        case "frame": frame(bytes)
        case "dns": dns(bytes)
        case "tls": tls(bytes)
        case "quic": QUIC.longHeaders(ByteSlice(bytes)) { _ in }
        case "http":
            _ = HTTP1.request(ByteSlice(bytes))
            _ = HTTP1.status(ByteSlice(bytes))
            HTTPFuzzing.consume(bytes)
        case "rules": _ = try? RulesFile.parse(String(decoding: bytes, as: UTF8.self), file: "fuzz.yaml")
        case "metadata":
            if let m = try? ClusterMetadata.parse(Data(bytes), name: "fuzz.json") {
                let d = PodDirectory(m)
                if let a = PodDirectory.address("10.0.0.1") { _ = d.resolve(a, at: 0) }
            }
        case "bundle": bundle(bytes)
        case "events": events(bytes)
        case "chain": ChainFuzzing.consume(bytes)
        default: fatalError("unknown fuzz target \(target); one of \(names)")
        }
    }

    /// The whole report over the bytes as a capture file (pcap, pcapng, gzip or zstd by their
    /// magic): readers, every dissector, reassembly and every analysis, then every renderer.
    static let file = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-fuzz-\(getpid()).cap").path

    static func capture(_ bytes: UnsafeRawBufferPointer) {
        FileManager.default.createFile(atPath: file, contents: Data(bytes))
        var options = ReportOptions()
        options.rows = 5
        options.metricsStep = 1_000_000_000
        guard let outcome = try? ReportRun.run(paths: [file], options: options) else { return }
        _ = JSONRenderer.render(outcome.report)
        _ = ReportTextRenderer.render(outcome.report)
        _ = HTMLRenderer.render(outcome.report, metrics: outcome.metrics)
        if let m = outcome.metrics { _ = MetricsRenderer.openMetrics(m) }
    }

    /// The bytes as a bundle archive (tar, gzip- or zstd-compressed by their magic): unpacked
    /// and expanded, and its manifest and metadata read.
    static let archive = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-fuzz-\(getpid()).tar").path
    static func bundle(_ bytes: UnsafeRawBufferPointer) {
        FileManager.default.createFile(atPath: archive, contents: Data(bytes))
        guard let contents = try? BundleDirectory.expand([archive]) else { return }
        for m in contents.metadata { _ = try? ClusterMetadata.load(path: m) }
    }

    /// The bytes as a bundle's `events.jsonl` beside an empty capture: read into the kernel
    /// section, then every renderer.
    static let eventsBundle = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-fuzz-events-\(getpid())").path
    static func events(_ bytes: UnsafeRawBufferPointer) {
        try? FileManager.default.createDirectory(atPath: eventsBundle, withIntermediateDirectories: true)
        // A pcap header and no packets (little-endian, microseconds, Ethernet).
        let header: [UInt8] = [0xD4, 0xC3, 0xB2, 0xA1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0, 0, 1, 0, 0, 0]
        FileManager.default.createFile(atPath: eventsBundle + "/capture.pcap", contents: Data(header))
        FileManager.default.createFile(atPath: eventsBundle + "/events.jsonl", contents: Data(bytes))
        var options = ReportOptions()
        options.rows = 5
        guard let outcome = try? ReportRun.run(paths: [eventsBundle], options: options) else { return }
        _ = JSONRenderer.render(outcome.report)
        _ = ReportTextRenderer.render(outcome.report)
        _ = HTMLRenderer.render(outcome.report, metrics: nil)
    }

    /// The first byte picks the link type; the rest is the frame.
    static let linkTypes: [UInt32] = [1, 101, 113, 276, 239, 0, 108, 12, 14, 228, 229]
    static func frame(_ bytes: UnsafeRawBufferPointer) {
        guard let first = bytes.first else { return }
        let rest = UnsafeRawBufferPointer(rebasing: bytes.dropFirst())
        _ = FrameDecoder.decode(linkType: linkTypes[Int(first) % linkTypes.count], bytes: rest, originalLength: rest.count)
    }

    static func dns(_ bytes: UnsafeRawBufferPointer) {
        guard let view = try? DNS.View(validating: ByteSlice(bytes)) else { return }
        _ = try? DNS.Message(view)
        _ = try? DNS.records(view)
    }

    static func tls(_ bytes: UnsafeRawBufferPointer) {
        TLSFuzzing.consume(bytes, step: Int(bytes.first ?? 7))
    }
}
