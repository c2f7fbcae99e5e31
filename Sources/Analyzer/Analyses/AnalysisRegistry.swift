/// The plug-in analyses `loupe report` runs (`PassAnalysis`): one line each.
enum AnalysisRegistry {
    struct Entry: Sendable {
        var name: String
        var make: @Sendable () -> any PassAnalysis
    }

    static let all: [Entry] = [
        Entry(name: "icmp") { ICMPAnalysis() },
    ]
}
