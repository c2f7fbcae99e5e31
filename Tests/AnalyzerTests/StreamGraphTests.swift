@testable import Analyzer
import Dissectors
import Foundation
import Reports
import Testing
import _TestSupport

/// The HTML report's time-sequence graphs (`StreamGraphPass`) against tshark 4.0 on the
/// impaired recording (`fixtures/pcaps/diff/impaired.pcapng`, 5% loss): every data segment
/// of the side drawn, at tshark's relative sequence number and length; every ACK of the
/// other side at tshark's relative ACK, its window edge at ACK plus tshark's scaled window;
/// red segments are tshark's retransmissions, fast retransmissions and out-of-order
/// segments; duplicate ACKs are tshark's.
@Suite(.enabled(if: TShark.available, "needs tshark"))
struct StreamGraphTests {
    static let capture = Fixtures.path("pcaps/diff/impaired.pcapng")

    static func graphs(_ path: String = capture) throws -> [StreamGraph] {
        let rows = try ReportRun.run(paths: [path], options: ReportOptions()).report.tcp.flows.rows
        return try StreamGraphPass.run(captures: [path], report: ReportOptions(), pods: nil, rows: rows)
    }

    static func filter(from a: String, to b: String) -> String {
        let (x, y) = (PodDirectory.Endpoint(parsing: a)!, PodDirectory.Endpoint(parsing: b)!)
        return "ip.src==\(x.address.text) && tcp.srcport==\(x.port) && ip.dst==\(y.address.text) && tcp.dstport==\(y.port)"
    }

    @Test func segmentsAndAcksEqualTShark() throws {
        let graphs = try Self.graphs()
        #expect(graphs.count == 1)
        for g in graphs {
            let data = try TShark.values(
                Self.capture, displayFilter: Self.filter(from: g.sender, to: g.receiver) + " && tcp.len>0",
                fields: [
                    "tcp.seq", "tcp.len", "tcp.analysis.retransmission",
                    "tcp.analysis.fast_retransmission", "tcp.analysis.out_of_order",
                    "tcp.analysis.spurious_retransmission",
                ])
            let frames = data.keys.sorted().map { data[$0]! }
            #expect(g.segments.count == frames.count)
            // tshark's relative numbers count the SYN as byte 0; the graph's start after it.
            #expect(g.segments.map { "\($0.sequence + 1) \($0.length)" } == frames.map { "\($0[0]) \($0[1])" })
            #expect(g.retransmissions == frames.filter { $0[2...].contains { !$0.isEmpty } }.count)
            #expect(zip(g.segments, frames).allSatisfy { $0.retransmission == $1[2...].contains { !$0.isEmpty } })
            let acks = try TShark.values(
                Self.capture, displayFilter: Self.filter(from: g.receiver, to: g.sender) + " && tcp.flags.ack==1",
                fields: ["tcp.ack", "tcp.window_size", "tcp.analysis.duplicate_ack"])
            let ackFrames = acks.keys.sorted().map { acks[$0]! }
            #expect(g.acks.count == ackFrames.count)
            #expect(
                g.acks.map { "\($0.ack + 1) \($0.windowEdge + 1)" }
                    == ackFrames.map { "\($0[0]) \(Int64($0[0])! + Int64($0[1])!)" })
            #expect(g.duplicateAcks == ackFrames.filter { !$0[2].isEmpty }.count && g.duplicateAcks > 0)
        }
    }

    /// A healthy capture gets no graph (and no second pass); a connection past the bound is
    /// drawn to it and says how many packets it left out.
    @Test func healthyCapturesGetNoneAndTheBoundIsSaid() throws {
        let healthy = Fixtures.path("pcaps/http/plain.pcapng")
        let rows = try ReportRun.run(paths: [healthy], options: ReportOptions()).report.tcp.flows.rows
        #expect(StreamGraphPass.picked(rows).isEmpty)
        // Every flow row of the healthy capture, forced: the bound is not reached there.
        let collector = StreamGraphCollector(rows: rows)
        #expect(collector.targets.count == rows.count)
        #expect(collector.graphs.allSatisfy { $0.omitted == 0 && $0.retransmissions == 0 })
    }

    /// One connection of 20,011 segments (one of them resent): the graph holds the first
    /// `maximumPackets` and says how many it left out.
    @Test func packetsPastTheBoundAreCountedNotDrawn() throws {
        var records: [(seconds: UInt32, fraction: UInt32, data: [UInt8], original: Int?)] = []
        let count = StreamGraphCollector.maximumPackets + 10
        for i in 0...count {
            let n = i > 5 ? i - 1 : i  // the sixth segment resends the fifth
            let tcp = Frames.tcp(
                sport: 40_000, dport: 9000, seq: UInt32(1000 + 10 * n), ack: 1, flags: 0x18,
                [UInt8](repeating: 0, count: 10))
            records.append(
                (
                    1_800_000_000 + UInt32(i / 1000), UInt32(i % 1000) * 1000,
                    Frames.ethernet(type: 0x0800, Frames.ipv4(src: [10, 1, 0, 1], dst: [10, 1, 0, 2], proto: 6, tcp)), nil
                ))
        }
        let path = temporaryFile(Frames.pcapFile(records: records))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let graphs = try Self.graphs(path)
        #expect(graphs.count == 1)
        #expect(graphs.first?.segments.count == StreamGraphCollector.maximumPackets)
        #expect(graphs.first?.omitted == count + 1 - StreamGraphCollector.maximumPackets)
        #expect(graphs.first?.retransmissions == 1)
    }
}
