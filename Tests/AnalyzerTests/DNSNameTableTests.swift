@testable import Analyzer
import Testing

struct DNSNameTableTests {
    /// Ids number names in order of first appearance, survive the table's growth, and give
    /// back the exact text.
    @Test func internsThroughGrowth() {
        var t = DNSNameTable()
        var ids: [DNSNameTable.ID] = []
        for i in 0..<5_000 { ids.append(t.intern("svc-\(i).default.svc.cluster.local")) }
        #expect(ids.map(\.raw) == Array(1...5_000))
        #expect(t.intern("svc-4321.default.svc.cluster.local") == ids[4321])
        #expect(t.text(ids[17]) == "svc-17.default.svc.cluster.local")
        #expect(t.count == 5_000 && t.overflowed == 0)
        #expect(t.intern("") != t.intern("."))
        #expect(t.text(t.intern("")) == "")
    }

    /// Case differs: two ids (names are kept as seen), one question.
    @Test func caseInsensitiveEquality() {
        var t = DNSNameTable()
        let a = t.intern("Kubernetes.Default.SVC"), b = t.intern("kubernetes.default.svc"), c = t.intern("kubernetes.default.sv")
        #expect(a != b)
        #expect(t.equalIgnoringCase(a, b) && t.equalIgnoringCase(a, a))
        #expect(!t.equalIgnoringCase(b, c))
    }

    /// Past its capacity (names or bytes) a name gets the overflow id, counted, which equals
    /// nothing; names already in still resolve.
    @Test func boundedByNamesAndBytes() {
        var t = DNSNameTable(capacity: 3, byteCapacity: 1 << 20)
        let kept = (0..<3).map { t.intern("n\($0)") }
        #expect(t.intern("n3") == .overflow && t.intern("n4") == .overflow)
        #expect(t.overflowed == 2 && t.intern("n1") == kept[1])
        #expect(!t.equalIgnoringCase(.overflow, .overflow))
        #expect(t.text(.overflow) == DNSNameTable.overflowText)
        var small = DNSNameTable(capacity: 100, byteCapacity: 10)
        #expect(small.intern("abcdefgh") != .overflow)
        #expect(small.intern("abc") == .overflow && small.count == 1)
    }
}
