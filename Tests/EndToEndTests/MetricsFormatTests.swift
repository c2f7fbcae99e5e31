import Foundation
import Testing
import _TestSupport

/// `--format prometheus` and `--format openmetrics` checked by promtool 2.42 (Debian's
/// prometheus package): `check metrics` parses the Prometheus text (its linter may only
/// object to Retina's own `_count` names: exit 3 with nothing else said, exit 1 is a parse
/// error), and `tsdb create-blocks-from openmetrics` accepts the OpenMetrics series; the
/// numbers equal the report's.
@Suite(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/promtool"), "needs promtool (prometheus package)"))
struct MetricsFormatTests {
    static let pods = ["--pods", Fixtures.path("pods/apiserver.kubectl.json"), Fixtures.path("pcaps/pods/apiserver.pcapng")]
    static let inputs: [[String]] = [
        pods, [Fixtures.path("pcaps/tls/handshakes.pcapng")], [Fixtures.path("pcaps/dns/search-path.pcapng")],
        [Fixtures.path("pcaps/foundation/namespaces.pcapng")],
    ]

    @Test(arguments: inputs)
    func promtoolAcceptsBoth(_ args: [String]) throws {
        let prom = try LoupeBinary.run(["report", "--format", "prometheus"] + args)
        #expect(prom.status == 0 && !prom.stdout.isEmpty)
        let check = try run("/usr/bin/promtool", ["check", "metrics"], stdin: Array(prom.stdout.utf8))
        let complaints = (check.stdout + check.stderr).split(separator: "\n")
        #expect(
            check.status == 0
                || (check.status == 3
                    && complaints.allSatisfy {
                        // Retina's own names, kept so that its dashboards read them: `_count` counters, and
                        // the `_ms` of node_apiserver_handshake_latency_ms.
                        $0.hasPrefix("networkobservability_")
                            && ($0.contains("should not have \"_count\" suffix")
                                || $0.contains("should not contain abbreviated units"))
                    }),
            "\(check.status): \(complaints)")
        // Also with the step chosen from the capture, and the labels a dashboard filters on.
        let chosen = try LoupeBinary.run(["report", "--format", "openmetrics", "--label", "cluster=lab"] + args)
        let chosenFile = temporaryFile(Array(chosen.stdout.utf8), suffix: ".om")
        let chosenOut = FileManager.default.temporaryDirectory.appendingPathComponent(
            "loupe-tsdb-\(getpid())-c\(args.count)-\(args.last!.count)")
        defer { try? FileManager.default.removeItem(at: chosenOut) }
        #expect(
            try run("/usr/bin/promtool", ["tsdb", "create-blocks-from", "openmetrics", chosenFile, chosenOut.path]).status == 0)
        let om = try LoupeBinary.run(["report", "--format", "openmetrics", "--step", "1s"] + args)
        #expect(om.status == 0 && om.stdout.hasSuffix("# EOF\n"))
        let file = temporaryFile(Array(om.stdout.utf8), suffix: ".om")
        let out = FileManager.default.temporaryDirectory.appendingPathComponent(
            "loupe-tsdb-\(getpid())-\(args.count)-\(args.last!.count)")
        try? FileManager.default.removeItem(at: out)
        defer { try? FileManager.default.removeItem(at: out) }
        let blocks = try run("/usr/bin/promtool", ["tsdb", "create-blocks-from", "openmetrics", file, out.path])
        #expect(blocks.status == 0, "\(blocks.stderr)")
    }

    /// Sample lines of a family (without HELP/TYPE), parsed into labels text and value.
    static func samples(_ text: String, _ name: String) -> [(labels: String, value: Double)] {
        text.split(separator: "\n").filter { $0.hasPrefix(name + "{") || $0.hasPrefix(name + " ") }.map { line in
            let brace = line.firstIndex(of: "}") ?? line.firstIndex(of: " ")!
            let rest = line[line.index(after: brace)...].split(separator: " ")
            return (String(line[..<brace]), Double(rest[0])!)
        }
    }

    @Test func numbersEqualTheReport() throws {
        let report = try LoupeBinary.json(["report", "--format", "json"] + Self.pods).json
        let prom = try LoupeBinary.run(["report", "--format", "prometheus"] + Self.pods).stdout
        let dns = report["dns"] as! [String: Any], api = report["apiServer"] as! [String: Any]
        let requests = Self.samples(prom, "networkobservability_adv_dns_request_count")
        #expect(requests.reduce(0) { $0 + $1.value } == Double(dns["transactions"] as! Int))
        #expect(
            requests.allSatisfy {
                $0.labels.contains("source_namespace=\"")
                    && $0.labels.contains("destination_podname=\"coredns-5d78c9869d-q7w2x\"")
            })
        let nxdomain = Self.samples(prom, "networkobservability_adv_dns_response_count").filter {
            $0.labels.contains("return_code=\"NXDOMAIN\"")
        }
        #expect(nxdomain.reduce(0) { $0 + $1.value } == Double((dns["rcodes"] as! [String: Int])["NXDOMAIN"]!))
        let exchanges = Self.samples(prom, "loupe_apiserver_request_seconds_count")
        #expect(exchanges.reduce(0) { $0 + $1.value } == Double(api["exchanges"] as! Int))
        #expect(
            Self.samples(prom, "networkobservability_adv_node_apiserver_latency_count").first?.value
                == Double(api["connections"] as! Int))
        #expect(
            prom.contains("networkobservability_adv_node_apiserver_latency_bucket{instance=\"node1\",le=\"4.5\"}"),
            "Retina's millisecond buckets")
        #expect(
            prom.contains("networkobservability_adv_node_apiserver_latency_bucket{instance=\"node1\",le=\"63.5\"}"),
            "LinearBuckets(0.5, 1, 64)")
        // The series Retina's pod-level dashboard reads.
        #expect(prom.contains("networkobservability_node_apiserver_handshake_latency_ms_bucket{instance=\"node1\",le=\"0.5\"}"))
        #expect(Self.samples(prom, "loupe_capture_packets").first?.value == Double(report["packets"] as! Int))

        // OpenMetrics: every series cumulative over the steps, timestamps in seconds.
        let om = try LoupeBinary.run(["report", "--format", "openmetrics", "--step", "100ms"] + Self.pods).stdout
        let points = Self.samples(om, "loupe_apiserver_request_seconds_count")
        #expect(points.count > 3)
        var last: [String: Double] = [:]
        for p in points {
            #expect(p.value >= last[p.labels, default: 0], "monotonic")
            last[p.labels] = p.value
        }
        #expect(last.values.reduce(0, +) == Double(api["exchanges"] as! Int))
        let line = try #require(om.split(separator: "\n").first { $0.hasPrefix("loupe_apiserver_request_seconds_count{") })
        let timestamp = try #require(Double(line.split(separator: " ").last!))
        #expect(timestamp > 1.7e9 && timestamp < 2e9, "seconds since the epoch")
    }

    /// Hostile DNS names (markup, quotes, a control byte, a backslash) as label values: escaped,
    /// and the exposition still parses.
    @Test func hostileLabelValues() throws {
        let prom = try LoupeBinary.run(["report", "--format", "prometheus", HTMLReportTests.hostileCapture()])
        #expect(prom.status == 0)
        let line = try #require(
            prom.stdout.split(separator: "\n").first { $0.hasPrefix("networkobservability_adv_dns_request_count{") })
        #expect(line.contains(#"query="\\<script\\>"#) == false, "no double escaping of markup")
        #expect(line.contains(#"a\"b'c"#), "a double quote escaped")
        #expect(!prom.stdout.contains("\u{7}"), "control bytes never reach the output")
        let check = try run("/usr/bin/promtool", ["check", "metrics"], stdin: Array(prom.stdout.utf8))
        #expect(check.status == 0 || check.status == 3, "\(check.stdout)\(check.stderr)")
        #expect(!(check.stdout + check.stderr).contains("error"))
    }

    /// `--label` on every sample line; `instance` names the capture's one node unless given;
    /// a series' own label of the same name is kept.
    @Test func labelsOnEverySeries() throws {
        let r = try LoupeBinary.run(["report", "--format", "prometheus", "--label", "cluster=prod"] + Self.pods)
        let lines = r.stdout.split(separator: "\n").filter { !$0.hasPrefix("#") }
        #expect(!lines.isEmpty && lines.allSatisfy { $0.contains("cluster=\"prod\"") && $0.contains("instance=\"node1\"") })
        let given = try LoupeBinary.run(["report", "--format", "openmetrics", "--label", "instance=n9"] + Self.pods)
        let samples = given.stdout.split(separator: "\n").filter { !$0.hasPrefix("#") }
        #expect(!samples.isEmpty && samples.allSatisfy { $0.contains("instance=\"n9\"") && !$0.contains("node1\"}") })
        let file = try LoupeBinary.run(["report", "--format", "prometheus", Fixtures.path("pcaps/dns/search-path.pcapng")])
        #expect(
            file.stdout.split(separator: "\n").filter { !$0.hasPrefix("#") }.allSatisfy {
                $0.contains("instance=\"search-path\"")
            })
        let bad = try LoupeBinary.run(["report", "--format", "prometheus", "--label", "le=1"] + Self.pods)
        #expect(bad.status == 2)
    }

    /// With the step chosen from the capture (at most 200 steps), every series starts with a
    /// zero at the capture's start and has a point at every step to its end, so rate() works
    /// from the first step (Retina's dashboards).
    @Test func everySeriesAtEveryStep() throws {
        let om = try LoupeBinary.run(["report", "--format", "openmetrics"] + Self.pods).stdout
        var points: [String: [(value: Double, time: String)]] = [:]
        for line in om.split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: " ")
            guard parts.count == 3 else { continue }
            points[String(parts[0]), default: []].append((Double(parts[1])!, String(parts[2])))
        }
        let counts = Set(points.values.map(\.count)), starts = Set(points.values.compactMap(\.first?.time))
        #expect(points.count > 10 && counts.count == 1 && (counts.first ?? 0) >= 31 && (counts.first ?? 0) <= 201, "\(counts)")
        #expect(starts.count == 1, "one start for every series")
        #expect(points.values.allSatisfy { $0.first?.value == 0 }, "a zero first")
    }
}
