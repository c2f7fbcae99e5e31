@testable import Analyzer
import Foundation
import Reports
import Testing
import _TestSupport

/// Past the flow cap the victims are drawn from a fixed sequence, never a per-process random
/// one: the same input gives the same report in every run, at any cap, with and without the
/// DNS thread, read plain or compressed. Each run's tables get fresh random hash seeds (they
/// are made anew), so a victim that depended on the seed would show as a difference.
struct EvictionDeterminismTests {
    /// TCP data on 300 connections revisited at random (an evicted connection comes back as a
    /// new flow, so which one was evicted shows in the counts), and DNS lookups from 200
    /// clients, answered, over UDP.
    static let capture: [UInt8] = {
        var state: UInt64 = 11
        func next() -> UInt64 {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            return state
        }
        var records: [(seconds: UInt32, fraction: UInt32, data: [UInt8], original: Int?)] = []
        var sequence = [UInt32](repeating: 1000, count: 300)
        for i in 0..<6000 {
            let micro = UInt32(i * 200)
            let time = (UInt32(1_800_000_000) + micro / 1_000_000, micro % 1_000_000)
            let r = next()
            if r % 3 == 0 {
                let client = Int(r >> 8 % 200)
                let src: [UInt8] = [10, 1, 0, UInt8(client)], dns: [UInt8] = [10, 96, 0, 10]
                let port = UInt16(20_000 + (r >> 20) % 30_000)
                let question: [UInt8] = [4] + Array("name".utf8) + [1, UInt8(ascii: "a") + UInt8(r >> 40 % 20), 0, 0, 1, 0, 1]
                let id = UInt16(truncatingIfNeeded: r >> 32)
                let answered = r % 7 != 0
                records.append(
                    (
                        time.0, time.1,
                        Frames.ethernet(
                            type: 0x0800,
                            Frames.ipv4(
                                src: src, dst: dns, proto: 17,
                                Frames.udp(sport: port, dport: 53, Frames.be16(id) + [1, 0, 0, 1, 0, 0, 0, 0, 0, 0] + question))),
                        nil
                    ))
                if answered {
                    records.append(
                        (
                            time.0, time.1 + 100,
                            Frames.ethernet(
                                type: 0x0800,
                                Frames.ipv4(
                                    src: dns, dst: src, proto: 17,
                                    Frames.udp(
                                        sport: 53, dport: port, Frames.be16(id) + [0x81, 0x83, 0, 1, 0, 0, 0, 0, 0, 0] + question)
                                )), nil
                        ))
                }
            } else {
                let c = Int(r >> 8 % 300)
                let flags: UInt8 = sequence[c] == 1000 ? 0x02 : 0x18
                let payload = flags == 0x02 ? [] : [UInt8](repeating: 7, count: 100)
                let frame = Frames.ethernet(
                    type: 0x0800,
                    Frames.ipv4(
                        src: [10, 2, UInt8(c >> 8), UInt8(c & 0xFF)],
                        dst: [10, 96, 0, 1], proto: 6,
                        Frames.tcp(sport: UInt16(40_000 + c), dport: 443, seq: sequence[c], ack: 1, flags: flags, payload)))
                sequence[c] &+= flags == 0x02 ? 1 : 100
                records.append((time.0, time.1, frame, nil))
            }
        }
        return Frames.pcapFile(records: records)
    }()

    static func report(_ path: String, cap: Int, dnsThread: Bool) throws -> String {
        var options = ReportOptions()
        options.flowLimits.maximumFlows = cap
        options.dnsThread = dnsThread
        options.rows = 50
        return JSONRenderer.render(try ReportRun.run(paths: [path], options: options).report)
    }

    @Test(arguments: [40, 150], [true, false])
    func sameReportEveryRun(cap: Int, dnsThread: Bool) throws {
        let plain = temporaryFile(Self.capture, suffix: ".pcap")
        let gzipped = plain + ".gz"
        try run("/bin/sh", ["-c", "gzip -c '\(plain)' > '\(gzipped)'"])
        let first = try Self.report(plain, cap: cap, dnsThread: dnsThread)
        #expect(first.contains("\"evicted\" : 0") == false, "the cap must be reached")
        for _ in 0..<3 {
            #expect(try Self.report(plain, cap: cap, dnsThread: dnsThread) == first)
        }
        let compressed = try Self.report(gzipped, cap: cap, dnsThread: dnsThread)
        // The same report but for the input's name and size.
        func strip(_ s: String) -> String {
            s.split(separator: "\n").filter {
                !$0.contains("\"path\"") && !$0.contains("\"fileBytes\"")
                    && !$0.contains("\"compression\"")
            }.joined(separator: "\n")
        }
        #expect(strip(compressed) == strip(first))
    }
}
