import Reports

/// What the API-server findings on lists, watches and error bursts read: lists slower than
/// their SLO, how watches ended, lists answered 410, and the time of every error.
/// Bounds: `slowListsKept` slow lists (the rest counted), `errorTimesKept` error times (past
/// it the burst is measured over the first ones, and said).
struct APIChurn {
    static let slowListsKept = 1000
    static let errorTimesKept = 100_000
    /// The window the densest burst of errors is counted in, nanoseconds.
    static let burstWindow: Int64 = 10_000_000_000

    private(set) var slowLists: [APIRequestRow] = []
    private(set) var slowListCount = 0
    private(set) var watchEnds = APIWatchEnds()
    private(set) var expiredLists = 0
    private var errorTimes: [Int64] = []
    private(set) var errorTimesDropped = 0

    /// The API server's latency SLO for a list (Kubernetes' scalability SLOs): 5 s for a
    /// namespace's objects, 30 s cluster-wide.
    static func listSLO(namespace: String?) -> Double { namespace == nil ? 30 : 5 }

    /// One request read in full.
    mutating func request(_ row: APIRequestRow) {
        if row.verb == "list" {
            if row.status == 410 { expiredLists += 1 }
            if let l = row.latency, l > Self.listSLO(namespace: row.namespace) {
                slowListCount += 1
                if slowLists.count < Self.slowListsKept { slowLists.append(row) }
            }
        }
        switch row.watchEnd {
        case "expired": watchEnds.expired += 1
        case "closed": watchEnds.closed += 1
        case "reset": watchEnds.reset += 1
        case "captureEnd": watchEnds.captureEnd += 1
        default: break
        }
    }

    /// An error at `time` (the pass's nanoseconds).
    mutating func error(at time: Int64) {
        if errorTimes.count < Self.errorTimesKept { errorTimes.append(time) } else { errorTimesDropped += 1 }
    }

    /// The most errors within `burstWindow`, and when that window began.
    var burst: APIErrorBurst {
        var out = APIErrorBurst()
        let times = errorTimes.sorted()
        var first = 0
        for (i, t) in times.enumerated() {
            while t - times[first] >= Self.burstWindow { first += 1 }
            if i - first + 1 > out.errors {
                out.errors = i - first + 1
                out.start = Double(times[first]) / 1e9
            }
        }
        return out
    }

    func write(into section: inout APIServerSection, rows: Int) {
        let sorted = slowLists.sorted { ($0.latency ?? 0, $1.timestamp) > ($1.latency ?? 0, $0.timestamp) }
        section.slowLists = RowList(total: slowListCount, rows: Array(sorted.prefix(rows)))
        section.watchEnds = watchEnds
        section.expiredLists = expiredLists
        section.errorBurst = burst
    }
}
