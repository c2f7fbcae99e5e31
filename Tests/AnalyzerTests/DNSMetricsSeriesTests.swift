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
        let (pcap, lookups) = DNSLookups.capture(count: 24_000, clients: 12, names: 6_000, seed: 9)
        var options = ReportOptions()
        options.metricsStep = 10_000_000_000
        options.dnsThread = false
        let outcome = try ReportRun.run(paths: [temporaryFile(pcap)], options: options)
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
        #expect(
            outcome.report.warnings.contains(
                "\(dropped) metric events not recorded: their labels would have made more than 20000 series"))
        #expect(
            metrics.droppedSeries == dropped && dropped > 0,
            "\(metrics.droppedSeries) vs \(dropped), families \(metrics.families.map { "\($0.name) \($0.series.count)" })")
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
