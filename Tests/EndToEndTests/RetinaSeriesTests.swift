import Foundation
import Testing
import _TestSupport

/// Retina's series in the metrics formats: their totals against tshark and the kernel event
/// file (the truth), and Retina's own dashboards run by Prometheus over the backfill.
@Suite(.enabled(if: TShark.available, "needs tshark"))
struct RetinaSeriesTests {
    static let bundle = Fixtures.path("bundles/pods")
    static let capture = Fixtures.path("bundles/pods/capture.pcapng")

    /// A family's final totals by label text (the Prometheus format: one sample per series).
    static func totals(_ text: String, _ name: String, where filter: (String) -> Bool = { _ in true }) -> Double {
        MetricsFormatTests.samples(text, name).filter { filter($0.labels) }.reduce(0) { $0 + $1.value }
    }

    static func count(_ filter: String) throws -> Int {
        try TShark.values(capture, displayFilter: filter, fields: ["frame.len"]).count
    }

    @Test func packetSeriesEqualTheWire() throws {
        let prom = try LoupeBinary.run(["report", "--format", "prometheus", "--label", "cluster=lab", Self.bundle])
        #expect(prom.status == 0)
        let text = prom.stdout
        // Every IP packet of this bundle is between two endpoints of node1 (its pods and its
        // address): each leaves one of them (egress) and reaches another (ingress).
        let ip = try TShark.values(Self.capture, displayFilter: "ip", fields: ["frame.len"])
        let ipBytes = ip.values.reduce(0) { $0 + Double($1[0])! }
        for direction in ["egress", "ingress"] {
            #expect(
                Self.totals(text, "networkobservability_forward_count") { $0.contains("direction=\"\(direction)\"") }
                    == Double(ip.count))
            #expect(
                Self.totals(text, "networkobservability_forward_bytes") { $0.contains("direction=\"\(direction)\"") } == ipBytes)
            #expect(
                Self.totals(text, "networkobservability_adv_forward_count") { $0.contains("direction=\"\(direction)\"") }
                    == Double(ip.count))
        }
        #expect(
            !text.contains("direction=\"unknown\"") || !text.contains("networkobservability_forward_count{direction=\"unknown\""))
        // Pods by name on the advanced series.
        #expect(
            text.contains(
                "networkobservability_adv_forward_count{direction=\"egress\",source_ip=\"10.244.0.11\",source_namespace=\"shop\",source_podname=\"checkout-7d9f8b6c5-x2x9k\""
            ))
        // TCP flags, counted once per direction.
        let egress = { (labels: String) in labels.contains("direction=\"egress\"") }
        func flag(_ f: String) -> Double {
            Self.totals(text, "networkobservability_tcp_flag_counters") { egress($0) && $0.contains("flag=\"\(f)\"") }
        }
        #expect(flag("rst") == Double(try Self.count("tcp.flags.reset == 1")))
        #expect(flag("synack") == Double(try Self.count("tcp.flags.syn == 1 && tcp.flags.ack == 1")))
        #expect(flag("syn") == Double(try Self.count("tcp.flags.syn == 1 && tcp.flags.ack == 0")))
        #expect(flag("fin") == Double(try Self.count("tcp.flags.fin == 1")))
        // The capture's one interface: every IP packet received and sent there.
        let rx = Self.totals(text, "networkobservability_interface_stats") { $0.contains("statistic_name=\"rx_packets\"") }
        #expect(rx == Double(ip.count))
        #expect(text.contains("networkobservability_interface_stats{interface_name=\"br0\",statistic_name=\"tx_packets\""))
        // Basic DNS counts: the report's queries and responses, without pod labels.
        let queries = try Self.count("dns.flags.response == 0"), responses = try Self.count("dns.flags.response == 1")
        #expect(Self.totals(text, "networkobservability_dns_request_count") == Double(queries))
        #expect(Self.totals(text, "networkobservability_dns_response_count") == Double(responses))
        #expect(
            !MetricsFormatTests.samples(text, "networkobservability_dns_request_count").contains {
                $0.labels.contains("source_ip")
            })
        // Each response's answer addresses (`response`, Retina's GetIps joined by commas): per
        // label, as many responses as tshark finds with those A and AAAA answers.
        var byAnswers: [String: Double] = [:]
        for (_, v) in try TShark.values(Self.capture, displayFilter: "dns.flags.response == 1", fields: ["dns.a", "dns.aaaa"]) {
            byAnswers[(v[0].split(separator: ",") + v[1].split(separator: ",")).joined(separator: ","), default: 0] += 1
        }
        #expect(byAnswers.keys.contains { !$0.isEmpty }, "the fixture has answers")
        for (answers, n) in byAnswers {
            #expect(
                Self.totals(text, "networkobservability_dns_response_count") { $0.contains("response=\"\(answers)\"") } == n,
                "response=\"\(answers)\"")
        }
        // Timeouts: retransmissions other than fast ones; reordering: out-of-order segments.
        let timeouts = try Self.count("tcp.analysis.retransmission && !tcp.analysis.fast_retransmission")
        #expect(
            Self.totals(text, "networkobservability_tcp_connection_stats") { $0.contains("\"tcptimeouts\"") } == Double(timeouts))
        #expect(
            Self.totals(text, "networkobservability_tcp_connection_stats") { $0.contains("\"tcptsreorder\"") }
                == Double(try Self.count("tcp.analysis.out_of_order")))
    }

    /// Connection gauges from the streams tshark finds: at the capture's end, the streams not
    /// closed (no RST, not FIN both ways) are open; resets count the streams with an RST.
    @Test func connectionSeriesEqualTheStreams() throws {
        let text = try LoupeBinary.run(["report", "--format", "prometheus", Self.bundle]).stdout
        let rows = try TShark.values(
            Self.capture, displayFilter: "tcp", fields: ["tcp.stream", "ip.src", "tcp.flags.fin", "tcp.flags.reset"])
        var fins: [String: Set<String>] = [:], resets: Set<String> = [], streams: Set<String> = []
        for row in rows.values {
            streams.insert(row[0])
            if row[2] == "1" || row[2] == "True" { fins[row[0], default: []].insert(row[1]) }
            if row[3] == "1" || row[3] == "True" { resets.insert(row[0]) }
        }
        let closed = streams.filter { resets.contains($0) || fins[$0, default: []].count == 2 }
        let open = Self.totals(text, "networkobservability_tcp_state")
        #expect(open == Double(streams.count - closed.count))
        #expect(Self.totals(text, "networkobservability_tcp_connection_remote") == open)
        #expect(
            Self.totals(text, "networkobservability_tcp_connection_stats") { $0.contains("\"resetcount\"") }
                == Double(resets.count))
        #expect(text.contains("networkobservability_udp_connection_stats{statistic_name=\"active\""))
    }

    /// Drops: the kernel event file's drops by reason (the truth), less the reasons that say
    /// nothing about the pods; TCP's reasons are on the receive path (ingress).
    @Test func dropSeriesEqualTheKernelEvents() throws {
        let text = try LoupeBinary.run(["report", "--format", "prometheus", Self.bundle]).stdout
        let lines = try String(contentsOfFile: Fixtures.path("bundles/pods/events.jsonl"), encoding: .utf8).split(separator: "\n")
        var byReason: [String: (count: Int, bytes: Int)] = [:]
        for line in lines {
            let e = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            guard e["kind"] as? String == "drop", let reason = e["reason"] as? String,
                !["OTHERHOST", "NO_SOCKET", "QUEUE_PURGE", "NOT_SPECIFIED"].contains(reason)
            else { continue }
            byReason[reason, default: (0, 0)].count += 1
            byReason[reason]!.bytes += e["bytes"] as! Int
        }
        #expect(byReason.count >= 2)
        for (reason, truth) in byReason {
            #expect(
                Self.totals(text, "networkobservability_drop_count") { $0.contains("reason=\"\(reason)\"") }
                    == Double(truth.count), "\(reason)")
            #expect(
                Self.totals(text, "networkobservability_drop_bytes") { $0.contains("reason=\"\(reason)\"") }
                    == Double(truth.bytes), "\(reason)")
            #expect(
                Self.totals(text, "networkobservability_adv_drop_count") { $0.contains("reason=\"\(reason)\"") }
                    == Double(truth.count), "\(reason)")
        }
        #expect(!text.contains("reason=\"OTHERHOST\""))
        #expect(text.contains("networkobservability_drop_count{reason=\"TCP_OLD_DATA\",direction=\"ingress\""))
        #expect(text.contains("networkobservability_drop_count{reason=\"NETFILTER_DROP\",direction=\"unknown\""))
    }

    /// Without metadata the node is unknown: a Linux cooked capture's own packet type says the
    /// direction (PACKET_OUTGOING is egress), as tshark reads it. One interface of a node's
    /// `-i any` recording (tshark writes it), so that every packet is one sighting.
    @Test func cookedCaptureDirectionFromTheLinkLayer() throws {
        let all = Fixtures.path("pcaps/sightings/any-sll2.pcapng")
        let capture = temporaryFile([], suffix: ".pcapng")
        #expect(try run(TShark.path, ["-r", all, "-Y", "sll.ifindex == 55", "-w", capture]).status == 0)
        let text = try LoupeBinary.run(["report", "--format", "prometheus", capture]).stdout
        let outgoing = try TShark.values(capture, displayFilter: "ip && sll.pkttype == 4", fields: ["frame.len"]).count
        let incoming = try TShark.values(capture, displayFilter: "ip && sll.pkttype != 4", fields: ["frame.len"]).count
        #expect(outgoing > 0 && incoming > 0)
        #expect(Self.totals(text, "networkobservability_forward_count") { $0.contains("\"egress\"") } == Double(outgoing))
        #expect(Self.totals(text, "networkobservability_forward_count") { $0.contains("\"ingress\"") } == Double(incoming))
        #expect(Self.totals(text, "networkobservability_interface_stats") { $0.contains("\"tx_packets\"") } == Double(outgoing))
        #expect(text.contains("interface_name=\"if55\""))
    }
}

/// Retina's standard dashboards (../shared/retina-dashboards) over the pods bundle's backfill,
/// by `scripts/retina-dashboards` with Debian's Prometheus on loopback.
@Suite(
    .enabled(
        if: FileManager.default.isExecutableFile(atPath: "/usr/bin/prometheus")
            && FileManager.default.fileExists(atPath: Fixtures.path("../../shared/retina-dashboards/clusters.json")),
        "needs prometheus and ../shared/retina-dashboards"))
struct RetinaDashboardTests {
    @Test func dashboardsLightUp() throws {
        let script = Fixtures.path("../scripts/retina-dashboards")
        let r = try run("/usr/bin/python3", [script, "--json", "--loupe", LoupeBinary.path, Fixtures.path("bundles/pods")])
        #expect(r.status == 0, "\(r.stderr)")
        let out = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
        let answered = out["answered"] as! Int, fillable = out["fillable"] as! Int
        #expect(fillable == 56)
        #expect(answered >= 45, "\(answered) of \(fillable)")
        // What stays empty, and why (docs/reference.md, "Retina's dashboards"): no drop on a
        // transmit path in this bundle; interface drop counters are the NIC's and the
        // kernel's, not the capture's; Retina writes "NOERROR" where one panel asks for
        // "NoError"; every endpoint is a pod.
        let empty = (out["queries"] as! [[String: Any]]).filter { $0["result"] as! String == "none" }.map {
            $0["query"] as! String
        }
        #expect(empty.count == fillable - answered)
        let explained = [
            "direction=\"egress\"", "rx_dropped", "tx_dropped", "return_code=\"NoError\"",
            "source_podname=\"unknown\"", "destination_podname=\"unknown\"",
        ]
        for query in empty { #expect(explained.contains { query.contains($0) }, "\(query)") }
    }
}

/// The cache of flows' labels starts over past its bound (`RetinaSeries.cacheLimit`): driven
/// past it twice by a SYN flood, every packet is still counted once, and every unanswered
/// connection is SYN_SENT.
struct RetinaSeriesBoundTests {
    @Test func countsStayExactPastTheCacheBound() throws {
        let path = temporaryFile([], suffix: ".pcap")
        let count = 140_000  // > 2 x 65,536 flows
        try writeSynFlood(count: count, to: path)
        let text = try LoupeBinary.run(["report", "--format", "prometheus", path]).stdout
        #expect(RetinaSeriesTests.totals(text, "networkobservability_forward_count") == Double(count))
        #expect(
            RetinaSeriesTests.totals(text, "networkobservability_tcp_flag_counters") { $0.contains("flag=\"syn\"") }
                == Double(count))
        let synSent = RetinaSeriesTests.totals(text, "networkobservability_tcp_state") { $0.contains("SYN_SENT") }
        let table = try LoupeBinary.json(["summary", "--format", "json", path]).json["flowTable"] as? [String: Any]
        #expect(synSent > Double(2 * 65_536))
        #expect(synSent == Double(table?["flows"] as? Int ?? -1), "\(String(describing: table))")
    }
}
