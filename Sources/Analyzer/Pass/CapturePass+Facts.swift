import CaptureFormats
import Reports

/// What a pass says of its inputs when it has ended.
extension CapturePass {
    /// Per-file facts and the totals over all inputs, as both reports state them.
    var captureFacts: (inputs: [InputSummary], packets: Int, bytes: Int) {
        let inputs = merger.readers.indices.map { SummaryRun.summary(of: merger.readers[$0], files[$0]) }
        return (inputs, files.reduce(0) { $0 + $1.packets }, files.reduce(0) { $0 &+ $1.bytes })
    }

    var warnings: [String] {
        var out: [String] = []
        for (link, why) in (filter?.unsupported ?? [:]).sorted(by: { $0.key < $1.key }) {
            out.append("filter does not apply to link type \(link): \(why)")
        }
        if clock.leapsIgnored > 0 {
            out.append("\(clock.leapsIgnored) timestamp leaps of more than an hour did not advance the flow expiry clock")
        }
        if merger.reorderedLate > 0 {
            out.append(
                "\(merger.reorderedLate) records arrived after later ones had gone out (the time order holds at most "
                    + "\(TimeReorder.maximumRecords) records or \(TimeReorder.maximumBytes >> 20) MiB): they are out of order")
        }
        out += malformed.warnings(paths: merger.readers.map(\.path))
        return out
    }
}
