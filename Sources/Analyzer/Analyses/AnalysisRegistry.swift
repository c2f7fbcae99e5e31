/// The plug-in analyses `loupe report` runs (`PassAnalysis`): one line each. `make` may
/// decline (nil) when the report does not need the analysis (the Retina series without a
/// metrics format).
enum AnalysisRegistry {
    struct Entry: Sendable {
        var name: String
        var make: @Sendable (PassContext) -> (any PassAnalysis)?
    }

    static let all: [Entry] = [
        Entry(name: "icmp") { _ in ICMPAnalysis() },
        Entry(name: "apiServer") { APIServerPlugin(context: $0) },
        Entry(name: "retina") { RetinaSeries(context: $0) },
    ]
}
