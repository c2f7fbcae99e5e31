import Bundles
import Reports

/// `loupe report --format html`: time-sequence graphs of the worst connections, from a
/// second pass over the same inputs with the report's flow options (so flows and their
/// observation points are the report's) and no analysis but `StreamGraphCollector`. The
/// worst are the first `maximumGraphs` rows of `tcp.flows` (ranked worst first) that
/// retransmitted, lost, reordered, stalled on a zero window or repeated ACKs; a healthy
/// capture gets none, and no second pass.
enum StreamGraphPass {
    static let maximumGraphs = 3

    static func picked(_ rows: [TCPFlowRow]) -> [TCPFlowRow] {
        Array(
            rows.filter { $0.retransmissions + $0.lostSegments + $0.outOfOrder + $0.zeroWindows + $0.duplicateAcks > 0 }
                .prefix(maximumGraphs))
    }

    static func run(
        captures: [String], report options: ReportOptions, pods: PodDirectory?,
        rows: [TCPFlowRow]
    ) throws -> [StreamGraph] {
        let picked = picked(rows)
        guard !picked.isEmpty else { return [] }
        var passOptions = CapturePass.Options.flowsOnly(
            filter: options.filter, flowLimits: options.flowLimits,
            samePoint: options.samePoint, pods: pods, podFilter: options.podFilter)
        let collector = StreamGraphCollector(rows: picked)
        passOptions.analyses = [.init(name: "stream graphs") { _ in collector }]
        _ = try CapturePass.run(paths: captures, options: passOptions, progress: nil)
        return collector.graphs
    }
}
