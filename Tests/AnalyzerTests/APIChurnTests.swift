@testable import Analyzer
import Reports
import Testing

/// `APIChurn`: the list SLO by scope, watch ends and expired lists, the densest 10 s of
/// errors, and its two bounds driven past.
struct APIChurnTests {
    static func list(_ latency: Double, namespace: String?, status: Int = 200) -> APIRequestRow {
        var row = APIRequestRow()
        (row.verb, row.latency, row.namespace, row.status) = ("list", latency, namespace, status)
        return row
    }

    @Test func listsPastTheirScopesSLO() {
        var c = APIChurn()
        c.request(Self.list(5.0, namespace: "shop"))
        c.request(Self.list(5.001, namespace: "shop"))
        c.request(Self.list(29.9, namespace: nil))
        c.request(Self.list(30.001, namespace: nil))
        var get = Self.list(60, namespace: "shop")
        get.verb = "get"
        c.request(get)
        #expect(c.slowListCount == 2)
        var section = APIServerSection()
        c.write(into: &section, rows: 10)
        #expect(section.slowLists.rows.map(\.latency) == [30.001, 5.001], "slowest first")
    }

    @Test func watchEndsAndExpiredLists() {
        var c = APIChurn()
        for end in ["expired", "expired", "closed", "reset", "captureEnd"] {
            var w = APIRequestRow()
            (w.verb, w.watchEnd) = ("watch", end)
            c.request(w)
        }
        c.request(Self.list(0.1, namespace: "shop", status: 410))
        #expect(
            c.watchEnds
                == {
                    var e = APIWatchEnds(); (e.expired, e.closed, e.reset, e.captureEnd) = (2, 1, 1, 1); return e
                }())
        #expect(c.expiredLists == 1)
    }

    /// Errors at 0, 1, 2 s and 20, 21, 22, 29.9 s: the densest 10 s hold the last four.
    @Test func densestTenSeconds() {
        var c = APIChurn()
        for t in [22.0, 0, 1, 29.9, 2, 20, 21] { c.error(at: Int64(t * 1e9)) }
        #expect(c.burst.errors == 4 && c.burst.start == 20)
        #expect(APIChurn().burst.errors == 0 && APIChurn().burst.start == nil)
    }

    @Test func boundsDrivenPast() {
        var c = APIChurn()
        for i in 0..<APIChurn.errorTimesKept + 10 { c.error(at: Int64(i) * 1_000_000) }
        #expect(c.errorTimesDropped == 10)
        for _ in 0..<APIChurn.slowListsKept + 5 { c.request(Self.list(40, namespace: nil)) }
        var section = APIServerSection()
        c.write(into: &section, rows: 100_000)
        #expect(section.slowLists.total == APIChurn.slowListsKept + 5 && section.slowLists.rows.count == APIChurn.slowListsKept)
    }
}
