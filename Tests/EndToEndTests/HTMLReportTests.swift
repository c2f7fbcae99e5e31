import Foundation
@testable import Reports
import Testing
import _TestSupport

/// `loupe report --format html`: one self-contained page (no URL, a Content-Security-Policy),
/// hostile names from the capture escaped as rendered by a real browser (Debian's chromium,
/// headless), the same numbers as the text and JSON reports, and byte-identical on repeat.
struct HTMLReportTests {
    static let chromium = "/usr/bin/chromium"

    /// A DNS query and answer and a TLS ClientHello whose names are hostile: markup, quotes,
    /// control bytes.
    static func hostileCapture() -> String {
        let client: [UInt8] = [10, 1, 0, 5], server: [UInt8] = [10, 1, 0, 53], web: [UInt8] = [10, 1, 0, 80]
        func u16(_ v: Int) -> [UInt8] { [UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
        let labels = ["<script>alert(1)</script>", "a\"b'c", "x\u{7}y", "example", "com"]
        var qname: [UInt8] = []
        for l in labels { qname += [UInt8(l.utf8.count)] + Array(l.utf8) }
        qname += [0]
        let query = u16(0x1234) + u16(0x0100) + u16(1) + u16(0) + u16(0) + u16(0) + qname + u16(1) + u16(1)
        let answer = u16(0x1234) + u16(0x8183) + u16(1) + u16(0) + u16(0) + u16(0) + qname + u16(1) + u16(1)
        let sni = Array("\"><img src=x onerror=alert(2)>\u{1}.example".utf8)
        let sniExtension = u16(0) + u16(sni.count + 5) + u16(sni.count + 3) + [0] + u16(sni.count) + sni
        let body =
            u16(0x0303) + Array(repeating: 7, count: 32) + [0] + u16(2) + u16(0x1301) + [1, 0] + u16(sniExtension.count)
            + sniExtension
        let hello = [22, 3, 1] + u16(body.count + 4) + [1, 0] + u16(body.count) + body
        func frame(_ ms: Int, _ ip: [UInt8]) -> (seconds: UInt32, fraction: UInt32, data: [UInt8], original: Int?) {
            (1_800_000_000, UInt32(ms * 1000), Frames.ethernet(type: 0x0800, ip), nil)
        }
        return temporaryFile(
            Frames.pcapFile(records: [
                frame(0, Frames.ipv4(src: client, dst: server, proto: 17, Frames.udp(sport: 40000, dport: 53, query))),
                frame(3, Frames.ipv4(src: server, dst: client, proto: 17, Frames.udp(sport: 53, dport: 40000, answer))),
                frame(
                    5,
                    Frames.ipv4(
                        src: client, dst: web, proto: 6, Frames.tcp(sport: 40001, dport: 443, seq: 1, ack: 1, flags: 0x18, hello))
                ),
            ]))
    }

    @Test func selfContained() throws {
        let r = try LoupeBinary.run(["report", "--format", "html", Fixtures.path("pcaps/tls/handshakes.pcapng")])
        #expect(r.status == 0 && r.stdout.hasPrefix("<!DOCTYPE html>"))
        #expect(r.stdout.contains("http-equiv=\"Content-Security-Policy\"") && r.stdout.contains("default-src 'none'"))
        for external in ["http://", "https://", "src=", "@import", "url("] {
            #expect(!r.stdout.contains(external), "no external resource: \(external)")
        }
        #expect(r.stdout.matches(of: /href="[^#]/).isEmpty, "links only within the page")
        #expect(!r.stdout.matches(of: /href="#/).isEmpty, "findings link to their evidence")
        #expect(r.stdout.components(separatedBy: "<script").count == 2, "one script, the table sorter")
        let again = try LoupeBinary.run(["report", "--format", "html", Fixtures.path("pcaps/tls/handshakes.pcapng")])
        #expect(again.stdout == r.stdout, "no wall-clock time of its own making")
    }

    /// The banner: the capture window in UTC from the first to the last packet (tshark's
    /// frame.time_epoch of frames 1 and 11: 1796642407.541882, 1796642409.452...), its length,
    /// the input and the verdict; times in tables as UTC clock and offset from the start.
    /// The timeline's step comes from the capture's length (a 2.4 s capture: 30 to 200
    /// points, not the 2 a 10 s step drew); `--step` still wins, and the OpenMetrics
    /// series take the same step, with exact millisecond timestamps.
    @Test func timelineStepFromTheCaptureLength() throws {
        let churn = Fixtures.path("pcaps/pods/churn.pcapng")
        func points(_ html: String) -> [Int] {
            html.matches(of: /(\d+) points of/).compactMap { Int($0.output.1) }
        }
        let chosen = try LoupeBinary.run(["report", "--format", "html", churn]).stdout
        #expect(!points(chosen).isEmpty && points(chosen).allSatisfy { $0 >= 30 && $0 <= 200 }, "\(points(chosen))")
        // Each timeline chart has its time axis (start, middle, end, UTC clock) and its maximum.
        let axes = chosen.matches(of: /<text class="axis (start|middle|end)"[^>]*>(\d\d:\d\d:\d\d\.\d{3}) UTC<\/text>/).count
        #expect(axes == 3 * points(chosen).count, "\(axes) axis labels for \(points(chosen).count) charts")
        let given = try LoupeBinary.run(["report", "--format", "html", "--step", "10s", churn]).stdout
        #expect(!points(given).isEmpty && points(given).allSatisfy { $0 <= 2 }, "\(points(given))")
        let om = try LoupeBinary.run(["report", "--format", "openmetrics", churn]).stdout
        let stamps = Set(om.split(separator: "\n").filter { !$0.hasPrefix("#") }.compactMap { $0.split(separator: " ").last })
        #expect(
            stamps.count > 5 && stamps.allSatisfy { !$0.contains(".") || $0.split(separator: ".")[1].count <= 3 }, "\(stamps)")
    }

    @Test func bannerAndTimesInUTC() throws {
        let html = try LoupeBinary.run(["report", "--format", "html", Fixtures.path("pcaps/icmp/errors.pcapng")]).stdout
        let json = try LoupeBinary.json(["report", "--format", "json", Fixtures.path("pcaps/icmp/errors.pcapng")]).json
        let input = (json["inputs"] as? [[String: Any]])?.first ?? [:]
        let first = (input["firstTimestamp"] as? Double) ?? 0, last = (input["lastTimestamp"] as? Double) ?? 0
        #expect(UTCText.iso(first) == "2026-12-07T11:20:07.541Z")
        #expect(html.contains("<div class=\"banner ok\"><p class=\"verdict\">nothing found</p>"))
        #expect(html.contains("<dd>" + UTCText.iso(first) + " to " + UTCText.iso(last) + " (1.911 s)</dd>"))
        #expect(html.contains("<td>11:20:08.951 (+1.410 s)</td>"), "the Fragmentation Needed row")
        let worst = try LoupeBinary.run(["report", "--format", "html", Fixtures.path("pcaps/tls/handshakes.pcapng")]).stdout
        #expect(worst.contains("<div class=\"banner critical\"><p class=\"verdict\">CRITICAL: 1 server certificates had expired"))
    }

    @Test func sameNumbersAsTextAndJSON() throws {
        let args = ["--pods", Fixtures.path("pods/apiserver.kubectl.json"), Fixtures.path("pcaps/pods/apiserver.pcapng")]
        let json = try LoupeBinary.json(["report", "--format", "json"] + args).json
        let text = try LoupeBinary.run(["report"] + args).stdout
        let html = try LoupeBinary.run(["report", "--format", "html"] + args).stdout
        let dns = json["dns"] as! [String: Any], tcp = json["tcp"] as! [String: Any], api = json["apiServer"] as! [String: Any]
        #expect(text.contains("DNS: \(dns["queries"]!) queries") && html.contains("<dt>queries</dt><dd>\(dns["queries"]!)</dd>"))
        #expect(
            text.contains("TCP: \(tcp["connections"]!) connections")
                && html.contains("<dt>connections</dt><dd>\(tcp["connections"]!)</dd>"))
        #expect(
            text.contains("\(api["exchanges"]!) exchanges") && html.contains("<dt>exchanges</dt><dd>\(api["exchanges"]!)</dd>"))
        for finding in json["findings"] as! [[String: Any]] {
            let title = finding["title"] as! String
            #expect(text.contains(title) && html.contains(title.replacingOccurrences(of: "\"", with: "&quot;")), "\(title)")
        }
        let latency = (dns["latency"] as! [String: Any])["p50"] as! Double
        let p50 = String(format: "p50 %.3f ms", latency * 1000)
        #expect(text.contains(p50) && html.contains(p50))
    }

    /// The worst connections' time-sequence graphs: one per `tcp.flows` row that
    /// retransmitted, reordered, lost, stalled or repeated ACKs (at most 3, in the rows'
    /// order), each anchored by its row's id; none on a healthy capture.
    @Test func worstConnectionsGetTimeSequenceGraphs() throws {
        for input in [
            Fixtures.path("pcaps/diff/impaired.pcapng"), Fixtures.path("bundles/pods"),
            Fixtures.path("pcaps/http/plain.pcapng"),
        ] {
            let json = try LoupeBinary.json(["report", "--format", "json", input]).json
            let rows = ((json["tcp"] as! [String: Any])["flows"] as! [String: Any])["rows"] as! [[String: Any]]
            let worst = rows.filter { row in
                ["retransmissions", "lostSegments", "outOfOrder", "zeroWindows", "duplicateAcks"].contains {
                    (row[$0] as? Int ?? 0) > 0
                }
            }.prefix(3).map { $0["id"] as! String }
            let html = try LoupeBinary.run(["report", "--format", "html", input]).stdout
            let drawn = html.matches(of: /<div class="tsg-figure" id="graph-(F[0-9a-f]+)">/).map { String($0.output.1) }
            #expect(drawn == Array(worst), "\(input)")
            #expect(html.components(separatedBy: "class=\"tsg\"").count - 1 == worst.count)
        }
    }

    /// DNS response time over the capture: the largest mean of a step lies between the
    /// report's fastest possible (above 0) and its slowest answer.
    @Test func dnsLatencyOverTime() throws {
        let bundle = Fixtures.path("bundles/pods")
        let html = try LoupeBinary.run(["report", "--format", "html", bundle]).stdout
        let top = try #require(
            html.firstMatch(of: /DNS mean response time per step, ms: max ([0-9.]+)/).flatMap { Double($0.output.1) })
        let json = try LoupeBinary.json(["report", "--format", "json", bundle]).json
        let max = try #require(((json["dns"] as? [String: Any])?["latency"] as? [String: Any])?["max"] as? Double)
        #expect(top > 0 && top <= max * 1000 + 1e-6, "\(top) ms against the slowest \(max * 1000) ms")
    }

    /// The pods bundle's report rendered by headless chromium at a desktop and a phone width:
    /// the page draws at each (a PNG of that width) and the browser logs no console message
    /// (a script error would be one; a page that logs a console error is caught the same way).
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: chromium), "needs chromium"))
    func rendersAtTwoWidthsWithoutConsoleErrors() throws {
        let page = try LoupeBinary.run(["report", "--format", "html", Fixtures.path("bundles/pods")])
        let file = temporaryFile(Array(page.stdout.utf8), suffix: ".html")
        for width in [1280, 420] {
            let png = temporaryFile([], suffix: ".png")
            let r = try run(
                Self.chromium,
                [
                    "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--enable-logging=stderr",
                    "--v=0", "--window-size=\(width),1600", "--screenshot=" + png, "file://" + file,
                ])
            let console = r.stderr.split(separator: "\n").filter { $0.contains(":CONSOLE") }
            #expect(r.status == 0 && console.isEmpty, "\(width) px: \(console)")
            let header = try #require(FileManager.default.contents(atPath: png))
            #expect(header.count > 24 && header.subdata(in: 16..<20).reduce(0) { $0 << 8 | Int($1) } == width)
        }
        // The check sees a console error when there is one.
        let broken = temporaryFile(Array("<!DOCTYPE html><script>undefinedFunction()</script>".utf8), suffix: ".html")
        let bad = try run(
            Self.chromium,
            [
                "--headless", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr", "--v=0",
                "--screenshot=" + temporaryFile([], suffix: ".png"), "file://" + broken,
            ])
        #expect(bad.stderr.contains(":CONSOLE"))
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: chromium), "needs chromium"))
    func hostileNamesRenderEscapedInABrowser() throws {
        let page = try LoupeBinary.run(["report", "--format", "html", Self.hostileCapture()])
        #expect(page.status == 0)
        #expect(!page.stdout.contains("<script>alert") && !page.stdout.contains("<img"))
        let file = temporaryFile(Array(page.stdout.utf8), suffix: ".html")
        let dom = try run(Self.chromium, ["--headless", "--no-sandbox", "--disable-gpu", "--dump-dom", "file://" + file])
        #expect(dom.status == 0)
        // The browser's DOM: the names are text (escaped again when serialised), no element
        // came from them, and the only script is Loupe's sorter.
        #expect(dom.stdout.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "the DNS name as text")
        #expect(
            dom.stdout.contains("\"&gt;&lt;img src=x onerror=alert(2)&gt;\\001.example"), "the SNI as text, control byte escaped")
        #expect(!dom.stdout.contains("<img") && dom.stdout.components(separatedBy: "<script").count == 2)
    }
}

/// Prometheus and OpenMetrics have no place for the report's warnings: a bound reached while
/// recording series is said on stderr, and the output is still written.
struct MetricsWarningTests {
    @Test func droppedSeriesAreSaidOnStderr() throws {
        let path = temporaryFile(DNSLookups.capture(count: 24_000, clients: 12, names: 6_000, seed: 9).pcap)
        for format in ["prometheus", "openmetrics"] {
            let r = try LoupeBinary.run(["report", "--format", format, path])
            #expect(r.status == 0)
            #expect(r.stdout.contains("networkobservability_adv_dns_request_count{"))
            #expect(r.stderr.contains("loupe: warning: ") && r.stderr.contains("metric events not recorded"), "\(format)")
        }
        let quiet = try LoupeBinary.run([
            "report", "--format", "prometheus",
            temporaryFile(DNSLookups.capture(count: 100, clients: 2, names: 10, seed: 1).pcap),
        ])
        #expect(quiet.status == 0 && quiet.stderr.isEmpty)
    }
}
