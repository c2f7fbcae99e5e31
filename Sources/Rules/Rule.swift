/// One rule of a `loupe check` rules file: a name, a condition on a value of the JSON report,
/// and an optional scope (the pod, workload, namespace or server whose row the value is read
/// from instead of the report's totals).
public struct Rule: Sendable, Equatable {
    public var name: String
    public var condition: Condition
    public var scope: Scope?
    /// Where the rule starts in the file (1-based), for messages.
    public var line: Int
    public var column: Int
}

/// `path op number[unit]`: `dns.latency.p99 < 50ms`, `tcp.retransmissionRate < 1%`,
/// `dns.rcodes.SERVFAIL == 0`.
public struct Condition: Sendable, Equatable, CustomStringConvertible {
    public enum Operator: String, Sendable, CaseIterable { case le = "<=", ge = ">=", eq = "==", ne = "!=", lt = "<", gt = ">" }
    public enum Unit: String, Sendable { case none = "", ms, s, us, percent = "%" }

    public var path: [String]
    public var op: Operator
    /// In the report's unit: seconds for durations, 0-1 for shares.
    public var value: Double
    public var text: String

    public var description: String { text }

    public func holds(_ measured: Double) -> Bool {
        switch op {
        case .lt: measured < value
        case .le: measured <= value
        case .gt: measured > value
        case .ge: measured >= value
        case .eq: measured == value
        case .ne: measured != value
        }
    }
}

/// Which row of the report a scoped rule reads: the namespace, workload or pod rows
/// (`pods`, `workloads`, `namespaces`), or a server's row of `dns.byServer` / `tls.byServer`.
public struct Scope: Sendable, Equatable {
    public var namespace: String?
    public var workload: String?
    public var pod: String?
    public var server: String?
    /// A DNS name pattern (`*` any run of characters, `?` one): the rule holds for every
    /// matching row of `dns.byName`.
    public var name: String?

    public var description: String {
        [("namespace", namespace), ("workload", workload), ("pod", pod), ("server", server), ("name", name)]
            .compactMap { k, v in v.map { "\(k)=\($0)" } }.joined(separator: ", ")
    }
}

/// A rules file that cannot be used, with the place.
public struct RuleError: Error, Sendable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int
    public var message: String
    public var description: String { "\(file):\(line):\(column): \(message)" }
}
