@testable import Analyzer
import CaptureFormats
import Dissectors
import Foundation
import Reports
import Testing
import _TestSupport

struct DNSPendingTableTests {
    /// Random adds, replacements, lookups and removals agree with a `Dictionary` model,
    /// through growth and through removals in the middle of probe runs (few flows and
    /// many IDs, so runs are long), and every entry number found reads back its own key.
    @Test func agreesWithADictionary() {
        var rng = SplitMix(seed: 53)
        var table = DNSPendingTable()
        var model: [DNSAnalysis.Key: Int64] = [:]
        func key(_ n: UInt64) -> DNSAnalysis.Key {
            let client = IPAddress(v4: 0x0A00_0000 | UInt32(n % 7))
            let (flow, _) = FlowKey.between(client, UInt16(40_000 + n % 5), IPAddress(v4: 0x0A60_000A), 53, ipProtocol: 17)
            return DNSAnalysis.Key(flow: flow, id: UInt16(truncatingIfNeeded: n / 35))
        }
        func transaction(_ time: Int64) -> DNSAnalysis.Transaction {
            DNSAnalysis.Transaction(
                timestamp: .zero, time: time, clientAddress: IPAddress(v4: 1), clientPort: 1,
                serverAddress: IPAddress(v4: 2), serverPort: 53, overTCP: false, id: 0,
                qname: DNSNameTable.ID.overflow, qtype: 1)
        }
        for step in 0..<200_000 {
            let k = key(rng.next() % (step < 100_000 ? 60_000 : 3_000))
            switch rng.next() % 4 {
            case 0, 1:
                table.set(k, transaction(Int64(step)))
                model[k] = Int64(step)
            case 2:
                if let i = table.index(forKey: k) {
                    #expect(table.remove(at: i).time == model.removeValue(forKey: k))
                } else {
                    #expect(model[k] == nil)
                }
            default:
                #expect(table[k]?.time == model[k])
            }
        }
        #expect(table.count == model.count)
        for (k, time) in model {
            let i = table.index(forKey: k)
            #expect(i.map { table[at: $0].time } == time)
        }
        #expect(table.values.map(\.time).sorted() == model.values.sorted())
        table.removeAll()
        #expect(table.isEmpty && table[key(1)] == nil)
    }

    /// An entry keeps its number until removed, however many others come and go; its
    /// handle finds it until then, and never after, also once the number is taken again.
    @Test func handlesStayValidUntilTheirEntryIsRemoved() {
        var rng = SplitMix(seed: 71)
        var table = DNSPendingTable()
        func key(_ n: UInt64) -> DNSAnalysis.Key {
            let (flow, _) = FlowKey.between(
                IPAddress(v4: 0x0A00_0000 | UInt32(n % 300)), UInt16(30_000 + n % 11),
                IPAddress(v4: 0x0A60_000A), 53, ipProtocol: 17)
            return DNSAnalysis.Key(flow: flow, id: UInt16(truncatingIfNeeded: n))
        }
        func transaction(_ time: Int64) -> DNSAnalysis.Transaction {
            DNSAnalysis.Transaction(
                timestamp: .zero, time: time, clientAddress: IPAddress(v4: 1), clientPort: 1,
                serverAddress: IPAddress(v4: 2), serverPort: 53, overTCP: false, id: 0,
                qname: DNSNameTable.ID.overflow, qtype: 1)
        }
        var live: [DNSAnalysis.Key: (number: Int, handle: DNSPendingTable.Handle, time: Int64)] = [:]
        var stale: [DNSPendingTable.Handle] = []
        var freed = Set<Int>(), inUse = Set<Int>()
        var reused = 0
        for step in 0..<30_000 {
            let k = key(rng.next() % 3_000)
            if let known = live[k], rng.next() % 2 == 0 {
                #expect(table.entry(known.handle) == known.number)
                #expect(table.remove(at: known.number).time == known.time)
                #expect(table.entry(known.handle) == nil)
                stale.append(known.handle)
                freed.insert(known.number)
                inUse.remove(known.number)
                live[k] = nil
            } else {
                let i = table.set(k, transaction(Int64(step)))
                if let known = live[k] {
                    #expect(i == known.number)  // replaced in place: same entry, same handle
                    #expect(table.entry(known.handle) == i)
                    live[k]!.time = Int64(step)
                } else {
                    #expect(inUse.insert(i).inserted)  // never a pending entry's number
                    if freed.remove(i) != nil { reused += 1 }  // a freed number taken again
                    live[k] = (i, table.handle(i), Int64(step))
                }
            }
            if step % 5_000 == 4_999 {
                for (k, e) in live {
                    #expect(table.index(forKey: k) == e.number && table.entry(e.handle) == e.number)
                    #expect(table[at: e.number].time == e.time)
                }
                #expect(stale.allSatisfy { table.entry($0) == nil })
            }
        }
        #expect(table.count == live.count && reused > 0)
        #expect(table.values.map(\.time).sorted() == live.values.map(\.time).sorted())
    }
}

/// More unanswered queries than the pending table keeps (`DNSAnalysis.maximumPending`):
/// every query counted, the surplus not tracked, and the report says how many.
struct DNSPendingFloodTests {
    @Test func surplusQueriesAreCountedAndStated() throws {
        let cap = DNSAnalysis.maximumPending, extra = 10_000
        var frames: [(seconds: UInt32, fraction: UInt32, data: [UInt8], original: Int?)] = []
        frames.reserveCapacity(cap + extra)
        let name: [UInt8] = [4] + Array("host".utf8) + [3, 99, 111, 109, 0]
        // Distinct conversation and ID for every query, 100 us apart: all still pending (an
        // unanswered query waits 60 s) when the cap is reached.
        for i in 0..<cap + extra {
            let msg = Frames.be16(UInt16(i / 20_000)) + [1, 0, 0, 1, 0, 0, 0, 0, 0, 0] + name + [0, 1, 0, 1]
            let udp = Frames.udp(sport: UInt16(30_000 + i % 20_000), dport: 53, msg)
            let t = 1_800_000_000.0 + Double(i) * 0.0001
            frames.append(
                (
                    UInt32(t), UInt32((t - t.rounded(.down)) * 1e6),
                    Frames.ethernet(
                        type: 0x0800,
                        Frames.ipv4(src: [10, 0, 0, 5], dst: [10, 0, 0, 53], proto: 17, udp)), nil
                ))
        }
        let report = try ReportRun.run(paths: [temporaryFile(Frames.pcapFile(records: frames))], options: ReportOptions()).report
        #expect(report.dns.queries == cap + extra)
        #expect(report.dns.transactions == cap && report.dns.unanswered == cap)
        #expect(report.warnings.contains("\(extra) DNS queries not tracked: more than \(cap) were pending at once"))
    }
}
