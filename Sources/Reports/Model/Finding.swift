import Foundation

/// One problem that matters, stated in words with its numbers and where to look. Every
/// report leads with them: capture quality first (so nobody draws conclusions from a broken
/// capture), then the rest worst first. `id` is stable across versions (add, never rename).
public struct Finding: Codable, Sendable, Equatable {
    public enum Severity: String, Codable, Sendable, Comparable {
        case critical, warning, info
        var rank: Int { self == .critical ? 0 : self == .warning ? 1 : 2 }
        public static func < (a: Severity, b: Severity) -> Bool { a.rank < b.rank }
    }

    public var id: String
    public var severity: Severity
    /// "capture", "dns", "tcp", "tls", "pods", "apiServer", "kernel".
    public var section: String
    /// One sentence with the numbers.
    public var title: String
    /// Where to look next (a server, a pod, a connection), when there is a place.
    @Null public var detail: String?
    /// The rows, packets and flows behind it (`FindingEvidence`).
    @Null public var evidence: Evidence?

    public init(id: String, severity: Severity, section: String, title: String, detail: String? = nil) {
        self.id = id
        self.severity = severity
        self.section = section
        self.title = title
        self.detail = detail
    }
}
