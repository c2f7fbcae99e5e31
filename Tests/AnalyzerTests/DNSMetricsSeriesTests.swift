import Analyzer
import Foundation
import Reports
import Testing
import _TestSupport

/// Retina's DNS series through the cached series lookup: every event lands in the series its
/// labels name, and past the recorder's bound an event with new labels is dropped and
/// counted, each time, exactly as when labels were built per event. The oracle is computed
/// here from the capture's own queries.
struct DNSMetricsSeriesTests {
    @Test func seriesAndDroppedEventsMatchTheLabels() throws {
        // 24,000 lookups from 12 clients over 6,000 names, each answered NXDOMAIN: request
        // label sets are (client, name), more than the 20,000-series bound holds with the
        // response and latency families beside them.
        var frames: [(seconds: UInt32, fraction: UInt32, data: [UInt8], original: Int?)] = []
        var lookups: [(client: Int, name: Int)] = []
        var rng = SplitMix(seed: 9)
        for i in 0 ..< 24_000 {
            let client = Int(rng.next() % 12), name = Int(rng.next() % 6_000)
            lookups.append((client, name))
            var q: [UInt8] = []
            for label in "n\(name).example".split(separator: ".") { q += [UInt8(label.utf8.count)] + Array(label.utf8) }
            q += [0, 0, 1, 0, 1]
            let id = UInt16(truncatingIfNeeded: i)
            let src: [UInt8] = [10, 1, 0, UInt8(client + 1)], dns: [UInt8] = [10, 96, 0, 10]
            let port = UInt16(30_000 + i % 20_000)
            for response in [false, true] {
                let msg = Frames.be16(id) + (response ? [0x81, 0x83] : [1, 0]) + [0, 1, 0, 0, 0, 0, 0, 0] + q
                let t = 1_800_000_000.0 + Double(i) * 0.005 + (response ? 0.002 : 0)
                let udp = response ? Frames.udp(sport: 53, dport: port, msg) : Frames.udp(sport: port, dport: 53, msg)
                frames.append((UInt32(t), UInt32((t - t.rounded(.down)) * 1e6), Frames.ethernet(type: 0x0800,
                               Frames.ipv4(src: response ? dns : src, dst: response ? src : dns, proto: 17, udp)), nil))
            }
        }
        var options = ReportOptions()
        options.metricsStep = 10_000_000_000
        options.dnsThread = false
        let outcome = try ReportRun.run(paths: [temporaryFile(Frames.pcapFile(records: frames))], options: options)
        let metrics = try #require(outcome.metrics)

        // The oracle: events in closing order (query order: expiry goes by age, and the
        // pass's end closes the rest in query order), one bound over all series.
        var series: [String: Set<String>] = [:]
        var total = 0, dropped = 0
        var counts: [String: [String: Double]] = [:]
        func event(_ family: String, _ labels: String) {
            if series[family, default: []].contains(labels) {
                counts[family, default: [:]][labels, default: 0] += 1
            } else if total < 20_000 - 1 {  // one place is the packet series'

                total += 1
                series[family, default: []].insert(labels)
                counts[family, default: [:]][labels, default: 0] += 1
            } else {
                dropped += 1
            }
        }
        for l in lookups {
            let who = "10.1.0.\(l.client + 1)|n\(l.name).example"
            event("requests", who)
            event("responses", who)
            event("latency", "10.96.0.10")
        }
        #expect(metrics.droppedSeries == dropped && dropped > 0, "\(metrics.droppedSeries) vs \(dropped), families \(metrics.families.map { "\($0.name) \($0.series.count)" })")
        // Loupe's packets-per-step series keeps its place after the bound is reached.
        let packets = try #require(metrics.families.first { $0.name == "loupe_capture_packets" })
        #expect(packets.series.count == 1 && packets.series[0].steps.values.reduce(0) { $0 + $1.value } == 48_000)
        let dnsFamilies = metrics.families.filter { $0.name.contains("_dns_") }
        #expect(dnsFamilies.count == 3)
        for family in dnsFamilies {
            let kind = family.name.contains("latency") ? "latency" : family.name.contains("response") ? "responses" : "requests"
            for s in family.series {
                let labels = Dictionary(s.labels, uniquingKeysWith: { a, _ in a })
                let key = kind == "latency" ? labels["server"]! : "\(labels["source_ip"]!)|\(labels["query"]!)"
                let seen = s.steps.values.reduce(0) { $0 + (kind == "latency" ? Double($1.buckets.reduce(0, +)) : $1.value) }
                #expect(counts[kind]?[key] == seen, "\(family.name) \(key)")
            }
            #expect(family.series.count == series[kind]?.count, "\(family.name)")
        }
    }
}
