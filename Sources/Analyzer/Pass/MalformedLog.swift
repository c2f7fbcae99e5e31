import Dissectors

/// Malformed frames: all counted, the first few kept with where they are, so a report
/// names the file, the record's byte offset and what failed instead of only a count.
struct MalformedLog {
    struct Example {
        var input: Int
        var frameNumber: Int
        /// The record's byte offset in the (decompressed) capture stream.
        var recordOffset: Int64
        var error: DecodeError
    }
    static let examplesKept = 10
    var count = 0
    private(set) var examples: [Example] = []

    /// Called only when the count has just grown, so not on the per-packet path.
    mutating func keep(_ example: Example) {
        if examples.count < Self.examplesKept { examples.append(example) }
    }

    func warnings(paths: [String]) -> [String] {
        var out = examples.map { e in
            "malformed frame \(e.frameNumber) in \(paths[e.input]) (record at byte \(e.recordOffset)): "
                + e.error.description(offsetLabel: "frame byte")
        }
        if count > examples.count { out.append("\(count - examples.count) more malformed frames not listed") }
        return out
    }
}
