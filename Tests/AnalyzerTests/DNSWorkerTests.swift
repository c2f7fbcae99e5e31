@testable import Analyzer
import CaptureFormats
import Dissectors
import Foundation
import Reports
import Testing
import _TestSupport

/// DNS on its own thread gives the very report DNS inline gives: same messages, same order.
struct DNSWorkerTests {
    static func reports(_ path: String, _ options: ReportOptions = ReportOptions()) throws -> (Data, Data, Report) {
        var inline = options, threaded = options
        inline.dnsThread = false
        threaded.dnsThread = true
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let a = try ReportRun.run(paths: [path], options: inline).report
        let b = try ReportRun.run(paths: [path], options: threaded).report
        return (try encoder.encode(a), try encoder.encode(b), b)
    }

    /// Enough traffic to wrap the ring several times (records of ~200 bytes in 4 MB), with
    /// malformed messages (their error offsets travel with the payload), and TCP segments
    /// on both sides of the ring's inline limit (1 MB; past it the payload goes by heap
    /// copy): 500 queries in one 100 KB segment, 6,000 in one 1.2 MB segment.
    @Test func ringWrapsAndLargeSegments() throws {
        var rng = SplitMix(seed: 3)
        var frames: [(seconds: UInt32, fraction: UInt32, data: [UInt8], original: Int?)] = []
        func add(_ t: Double, _ ip: [UInt8]) {
            frames.append((UInt32(t), UInt32((t - t.rounded(.down)) * 1e6), Frames.ethernet(type: 0x0800, ip), nil))
        }
        func query(_ id: UInt16, _ name: String, response: Bool = false) -> [UInt8] {
            var q: [UInt8] = []
            for label in name.split(separator: ".") { q += [UInt8(label.utf8.count)] + Array(label.utf8) }
            return Frames.be16(id) + (response ? [0x81, 0x80] : [1, 0]) + [0, 1, 0, 0, 0, 0, 0, 0] + q + [0, 0, 1, 0, 1]
        }
        let client: [UInt8] = [10, 0, 0, 5], server: [UInt8] = [10, 0, 0, 53]
        for i in 0..<30_000 {
            let id = UInt16(truncatingIfNeeded: rng.next())
            let name = "svc-\(rng.next() % 500).ns-\(i % 7).svc.cluster.local"
            let port = UInt16(20_000 + i % 30_000)
            let t = 1_800_000_000.0 + Double(i) * 0.001
            var q = query(id, name)
            if i % 997 == 0 { q = Array(q.prefix(15)) }  // cut inside the question: malformed, still a query
            add(t, Frames.ipv4(src: client, dst: server, proto: 17, Frames.udp(sport: port, dport: 53, q)))
            if i % 13 != 0 {
                add(
                    t + 0.0004,
                    Frames.ipv4(
                        src: server, dst: client, proto: 17,
                        Frames.udp(sport: 53, dport: port, query(id, name, response: true))))
            }
        }
        // DNS over TCP: handshake, then length-prefixed queries in one segment.
        for (port, count) in [(UInt16(40_000), 500), (40_001, 6_000)] {
            var stream: [UInt8] = []
            for i in 0..<count {
                let q = query(UInt16(i), "tcp-\(i).default.svc.cluster.local") + [UInt8](repeating: 0, count: 150)
                stream += Frames.be16(UInt16(q.count)) + q
            }
            #expect(stream.count > (count == 500 ? 64 << 10 : 1 << 20))
            let t = 1_800_000_031.0 + Double(port - 40_000)
            add(t, Frames.ipv4(src: client, dst: server, proto: 6, Frames.tcp(sport: port, dport: 53, seq: 100, flags: 0x02)))
            add(
                t + 0.001,
                Frames.ipv4(
                    src: server, dst: client, proto: 6,
                    Frames.tcp(sport: 53, dport: port, seq: 900, ack: 101, flags: 0x12)))
            add(
                t + 0.002,
                Frames.ipv4(
                    src: client, dst: server, proto: 6,
                    Frames.tcp(sport: port, dport: 53, seq: 101, ack: 901, flags: 0x10)))
            // Total length 0, as captures of TSO sends have it (the captured length counts).
            add(
                t + 0.003,
                Frames.ipv4(
                    src: client, dst: server, proto: 6,
                    Frames.tcp(sport: port, dport: 53, seq: 101, ack: 901, flags: 0x18, stream),
                    totalLength: 0))
        }
        let path = temporaryFile(Frames.pcapFile(snaplen: 2 << 20, records: frames))
        let (inline, threaded, report) = try Self.reports(path)
        #expect(inline == threaded)
        #expect(report.dns.queries == 30_000 + 500 + 6_000)
        #expect(report.dns.malformed == 31 && report.dns.malformedExamples.count == 10)
        #expect(report.dns.responses == 30_000 - 2_308)
    }

    /// The recorded fixtures and the corpus's DNS captures.
    @Test func sameReportOnRealCaptures() throws {
        var paths = ["pcaps/dns/search-path.pcapng", "pcaps/dns/host-search.pcapng"].map { Fixtures.path($0) }
        if Corpus.sharedRoot != nil {
            paths += Corpus.oracleCaptures().filter { $0.lowercased().contains("dns") }.map(Corpus.capturePath)
        } else {
            print(Corpus.missingMessage)
        }
        #expect(paths.count >= 2)
        for path in paths {
            let (inline, threaded, _) = try Self.reports(path)
            #expect(inline == threaded, "\(path)")
        }
    }

    /// A frame's facts come back as the frame had them, whichever way it travels, with and
    /// without a timestamp and a conversation; and the record stays 96 bytes (each DNS frame
    /// is copied through the ring).
    @Test func frameFactsRoundTrip() {
        #expect(MemoryLayout<DNSFrame>.size <= 96, "DNSFrame is \(MemoryLayout<DNSFrame>.size) bytes")
        for (a, b, portA, portB) in [
            (IPAddress(v4: 0x0A00_0005), IPAddress(v4: 0x0A60_000A), UInt16(40_000), UInt16(53)),
            (IPAddress(v4: 0x0A60_000A), IPAddress(v4: 0x0A00_0005), 53, 40_000),
            (IPAddress(v4: 7), IPAddress(v4: 7), 53, 53),
        ] {
            var f = DecodedFrame()
            f.ipVersion = 4
            f.ipProtocol = IPProtocol.tcp
            f.hasPorts = true
            (f.source, f.destination, f.sourcePort, f.destinationPort) = (a, b, portA, portB)
            f.tcpFlags = [.syn, .ack]
            f.sequenceNumber = 0xFFFF_FFF0
            f.acknowledgmentNumber = 12
            let (key, fromLow) = FlowKey.of(f)
            for timestamp in [nil, Timestamp(seconds: -3, nanoseconds: 999_999_999)] {
                var d = DNSFrame(f, overTCP: true, time: -5, timestamp: timestamp, key: key, fromLow: fromLow)
                #expect(d.source == a && d.destination == b && d.sourcePort == portA && d.destinationPort == portB)
                #expect(d.overTCP && d.fromLow == fromLow && d.key == key && d.time == -5 && d.timestamp == timestamp)
                #expect(d.tcpFlags == [.syn, .ack] && d.sequence == 0xFFFF_FFF0 && d.acknowledgment == 12)
                #expect(d.conversation == nil && !d.hasConversation)
                for analyze in [false, true] {
                    d.conversation = DNSFrame.Conversation(
                        wireLength: 1_514, serial: 1 << 40, clock: -1, sweptAt: .min,
                        analyze: analyze)
                    let c = d.conversation
                    #expect(c?.wireLength == 1_514 && c?.serial == 1 << 40 && c?.clock == -1 && c?.sweptAt == .min)
                    #expect(c?.analyze == analyze && d.hasConversation && d.timestamp == timestamp && d.overTCP)
                }
                d.conversation = nil
                #expect(d.conversation == nil && d.fromLow == fromLow)
            }
        }
    }

    /// `loupe summary` counts DNS over UDP's conversations on the worker thread: the same
    /// summary as in one table, but for `peakLive` (the sum of the two tables' peaks, never
    /// below one table's).
    @Test func summaryConversationsOnTheWorkerThread() throws {
        var paths = ["pcaps/dns/search-path.pcapng", "pcaps/dns/host-search.pcapng"].map { Fixtures.path($0) }
        if Corpus.sharedRoot != nil {
            paths += Corpus.oracleCaptures().filter { $0.lowercased().contains("dns") }.map(Corpus.capturePath)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        for path in paths {
            var one = SummaryOptions(), apart = SummaryOptions()
            one.conversationsThread = false
            apart.conversationsThread = true
            var a = try SummaryRun.run(paths: [path], options: one).report
            var b = try SummaryRun.run(paths: [path], options: apart).report
            #expect(b.flowTable.peakLive >= a.flowTable.peakLive, "\(path)")
            #expect(a.conversations.total > 0 && a.flowTable.flows > 0, "\(path)")
            a.flowTable.peakLive = 0
            b.flowTable.peakLive = 0
            #expect(try encoder.encode(a) == encoder.encode(b), "\(path)")
        }
    }
}
