import Foundation
import Reports

/// Parses `path op number[unit]` and checks the path against the report's shape and the unit
/// against the value's kind: durations (percentiles and latencies, in seconds in the report)
/// need `ms`, `s` or `us`; shares (`...Rate`, `...Share`, 0 to 1) take `%` or a bare fraction;
/// counts take a bare number.
enum ConditionParser {
    struct Failure: Error { var message: String }

    static let percentileKeys: Set<String> = ["p50", "p90", "p95", "p99", "max"]
    static let durationKeys: Set<String> = ["timeLost", "duration", "clientHelloToServerHello", "handshakeLatency", "latency"]

    static func parse(_ text: String, scope: Scope?) throws(Failure) -> Condition {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard
            let op = Condition.Operator.allCases.sorted(by: { $0.rawValue.count > $1.rawValue.count })
                .compactMap({ op in
                    trimmed.range(of: " " + op.rawValue + " ").map { (op, $0) } ?? trimmed.range(of: op.rawValue).map { (op, $0) }
                })
                .min(by: { $0.1.lowerBound < $1.1.lowerBound })
        else {
            throw Failure(message: "expected `value op number`, e.g. dns.latency.p99 < 50ms (ops: < <= > >= == !=)")
        }
        let left = trimmed[..<op.1.lowerBound].trimmingCharacters(in: .whitespaces)
        let right = trimmed[op.1.upperBound...].trimmingCharacters(in: .whitespaces)
        let path = left.split(separator: ".").map(String.init)
        guard !path.isEmpty, path.allSatisfy({ !$0.isEmpty }) else { throw Failure(message: "`\(left)` is not a value name") }
        var unit = Condition.Unit.none
        var number = Substring(right)
        for u in [Condition.Unit.ms, .us, .s, .percent] where right.hasSuffix(u.rawValue) {
            unit = u
            number = right.dropLast(u.rawValue.count)
            break
        }
        guard let value = Double(number.trimmingCharacters(in: .whitespaces)), value.isFinite else {
            throw Failure(message: "`\(right)` is not a number with an optional unit (ms, s, us, %)")
        }
        try ReportShape.check(path, scope: scope)
        let kind = ReportShape.kind(path)
        let scaled: Double
        switch (kind, unit) {
        case (.duration, .ms): scaled = value / 1000
        case (.duration, .us): scaled = value / 1_000_000
        case (.duration, .s): scaled = value
        case (.duration, _): throw Failure(message: "`\(left)` is a duration: give a unit, e.g. \(right)ms or \(right)s")
        case (.share, .percent): scaled = value / 100
        case (.share, .none): scaled = value
        case (.share, _): throw Failure(message: "`\(left)` is a share: give a percentage (1%) or a fraction (0.01)")
        case (.count, .none): scaled = value
        case (.count, _): throw Failure(message: "`\(left)` is a count: no unit")
        }
        return Condition(path: path, op: op.0, value: scaled, text: trimmed)
    }
}

/// The report's shape (from `Report.empty`, so it follows the model) and value lookup.
enum ReportShape {
    enum Kind { case duration, share, count }

    static func json<T: Encodable>(_ value: T) -> [String: Any] {
        let data = (try? JSONEncoder().encode(value)) ?? Data("{}".utf8)
        return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
    }

    nonisolated(unsafe) static let report = json(Report.empty)
    nonisolated(unsafe) static let podRow = json(PodRow())
    nonisolated(unsafe) static let groupRow: [String: Any] = [
        "dns": json(
            DNSGroupRow(
                key: "", transactions: 0, unanswered: 0, errors: 0,
                latency: .empty)),
        "tls": json(
            TLSGroupRow(
                key: "", handshakes: 0, failures: 0,
                handshakeLatency: .empty, clientHelloToServerHello: .empty)),
    ]

    static func kind(_ path: [String]) -> Kind {
        let last = path.last ?? ""
        if ConditionParser.percentileKeys.contains(last) || ConditionParser.durationKeys.contains(last) { return .duration }
        if last.hasSuffix("Rate") || last.hasSuffix("Share") { return .share }
        return .count
    }

    /// The object a scoped rule's path is read in (without its section name), or the report.
    static func root(_ path: [String], scope: Scope?) throws(ConditionParser.Failure) -> ([String: Any], ArraySlice<String>) {
        guard let scope else { return (report, path[...]) }
        let section = path[0]
        if scope.name != nil {
            guard section == "dns", let row = groupRow["dns"] as? [String: Any], scope.server == nil, scope.namespace == nil,
                scope.pod == nil, scope.workload == nil
            else {
                throw ConditionParser.Failure(message: "a `name` scope reads dns.byName rows: the value must start with dns.")
            }
            return (row, path.dropFirst())
        }
        if scope.server != nil {
            guard let row = groupRow[section] as? [String: Any], scope.namespace == nil, scope.pod == nil, scope.workload == nil
            else {
                throw ConditionParser.Failure(
                    message: "a `server` scope reads dns.byServer or tls.byServer rows: the value must start with dns. or tls.")
            }
            return (row, path.dropFirst())
        }
        guard let row = podRow[section] as? [String: Any] else {
            throw ConditionParser.Failure(
                message: "a pod, workload or namespace scope reads dns., tcp. or tls. values of its row")
        }
        return (row, path.dropFirst())
    }

    static func check(_ path: [String], scope: Scope?) throws(ConditionParser.Failure) {
        var (node, rest) = try root(path, scope: scope)
        var walked = scope == nil ? "" : path[0]
        while let key = rest.first {
            rest = rest.dropFirst()
            walked += (walked.isEmpty ? "" : ".") + key
            guard let next = node[key] else {
                let known = node.keys.sorted().joined(separator: ", ")
                throw ConditionParser.Failure(message: "the report has no value `\(walked)` (here: \(known))")
            }
            if let object = next as? [String: Any] {
                if object.isEmpty {  // an open map (rcode names, versions): any key, a count
                    guard rest.count == 1 else {
                        throw ConditionParser.Failure(message: "`\(walked)` is a map of counts: name one key")
                    }
                    return
                }
                node = object
                continue
            }
            guard rest.isEmpty else { throw ConditionParser.Failure(message: "`\(walked)` is a single value") }
            guard next is NSNumber || next is NSNull else {
                throw ConditionParser.Failure(message: "`\(walked)` is not a number")
            }
            return
        }
        throw ConditionParser.Failure(
            message: "`\(walked)` is an object: name one of its values (\(node.keys.sorted().joined(separator: ", ")))")
    }

    /// The value at `path` in a report's JSON object: nil when absent or null; an open map's
    /// missing key reads as 0.
    static func value(_ path: ArraySlice<String>, in object: [String: Any]) -> Double? {
        var node: Any = object
        for key in path {
            guard let map = node as? [String: Any] else { return nil }
            guard let next = map[key] else { return map.isEmpty || isOpenMap(map) ? 0 : nil }
            node = next
        }
        return (node as? NSNumber)?.doubleValue
    }

    /// Maps whose keys are data (all values are numbers).
    static func isOpenMap(_ map: [String: Any]) -> Bool { map.values.allSatisfy { $0 is NSNumber } && map["count"] == nil }
}
