@testable import Analyzer
import CaptureFormats
import Dissectors
import Reports
import Testing

struct DNSGroupsTests {
    private func transaction(latency: Int64?, rcode: UInt16?) -> DNSAnalysis.Transaction {
        var t = DNSAnalysis.Transaction(
            timestamp: .zero, time: 0, clientAddress: IPAddress(v4: 1), clientPort: 1,
            serverAddress: IPAddress(v4: 2), serverPort: 53, overTCP: false, id: 0,
            qname: DNSNameTable.ID.overflow, qtype: 1)
        t.answered = latency != nil
        t.latency = latency
        t.rcode = rcode
        return t
    }

    /// Keys are counted apart up to the limit, in the order they came; later keys fold into
    /// "(other)"; a key seen before the limit keeps being counted as itself, also after it.
    @Test func countsPerKeyThenFoldsIntoOther() {
        var groups = DNSGroups<IPAddress>(limit: 4)
        for round in 0..<3 {
            for n in 0..<10 {
                groups.add(
                    IPAddress(v4: 0x0A00_0000 + UInt32(n)),
                    transaction(latency: n == 9 ? nil : Int64(1_000_000 * (n + 1)), rcode: round == 2 ? 3 : 0))
            }
        }
        #expect(groups.groups.map(\.key) == (0..<4).map { IPAddress(v4: 0x0A00_0000 + UInt32($0)) })
        for (i, g) in groups.groups.enumerated() {
            #expect(g.value.transactions == 3 && g.value.errors == 1 && g.value.unanswered == 0)
            #expect(g.value.latency.percentiles.max == Double(i + 1) / 1000)
        }
        let other = try! #require(groups.other)
        #expect(other.transactions == 18 && other.unanswered == 3 && other.errors == 6)
        #expect(other.latency.count == 15)
    }

    /// The NXDOMAIN and SERVFAIL name counts (`BoundedKeyCounter`) count as `BoundedCounter`
    /// (a `Dictionary`) does: keys apart up to the limit, later new keys as the other key,
    /// keys seen before the limit still as themselves.
    @Test func keyCounterCountsAsTheDictionaryOne() {
        var fast = BoundedKeyCounter(limit: 300, otherKey: DNSNameTable.ID.other)
        var reference = BoundedCounter(limit: 300, otherKey: DNSNameTable.ID.other)
        var state: UInt64 = 17
        for _ in 0..<20_000 {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            let id = DNSNameTable.ID(raw: UInt32(1 + state % 700))
            fast.add(id)
            reference.add(id)
        }
        #expect(fast.counts == reference.counts)
        #expect(fast.counts.count == 301 && (fast.counts[.other] ?? 0) > 0)
    }

    /// Many keys (every slot of the index probed through long runs) stay apart.
    @Test func manyKeysStayApart() {
        var groups = DNSGroups<DNSNameTable.ID>(limit: 1024)
        for n in 0..<3000 { groups.add(DNSNameTable.ID(raw: UInt32(n % 1500) + 1), transaction(latency: 1, rcode: 0)) }
        #expect(groups.groups.count == 1024)
        #expect(groups.groups.allSatisfy { $0.value.transactions == 2 })
        #expect(groups.other?.transactions == (1500 - 1024) * 2)
    }
}
