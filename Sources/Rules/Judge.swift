import Foundation
import Reports

/// A rule's outcome: the value measured (nil: no data) and whether the condition held.
public struct Verdict: Sendable, Equatable, Codable {
    public var name: String
    public var condition: String
    public var scope: String?
    public var value: Double?
    public var passed: Bool
    /// "dns.latency.p99 = 412 ms, wanted < 50 ms".
    public var message: String
}

/// Judges rules against a finished report (its JSON form: the keys a user sees). A value
/// with no data (a percentile without samples, a scope that matches no row) fails the rule:
/// CI must not pass on a capture that does not show what the rule is about.
public enum Judge {
    public static func judge(_ rules: [Rule], _ report: Report) -> [Verdict] {
        let json = ReportShape.json(report)
        return rules.map { rule in
            let value = measure(rule, json)
            let c = rule.condition
            let passed = value.map(c.holds) ?? false
            let measured = value.map { format($0, c.path) } ?? "no data"
            let wanted = c.op.rawValue + " " + format(c.value, c.path)
            return Verdict(
                name: rule.name, condition: c.text, scope: rule.scope?.description, value: value, passed: passed,
                message: "\(c.path.joined(separator: ".")) = \(measured), wanted \(wanted)"
                    + (rule.scope.map { " (\($0.description))" } ?? ""))
        }
    }

    static func measure(_ rule: Rule, _ json: [String: Any]) -> Double? {
        let path = rule.condition.path
        guard let scope = rule.scope else { return ReportShape.value(path[...], in: json) }
        let section = path[0]
        if let pattern = scope.name {
            // Every matching name must hold: the value reported is the first that does not,
            // else the last one read.
            let rows = ((json["dns"] as? [String: Any])?["byName"] as? [String: Any])?["rows"] as? [[String: Any]] ?? []
            var last: Double?
            for row in rows where glob(pattern, row["key"] as? String ?? "") {
                guard let v = ReportShape.value(path.dropFirst(), in: row) else { continue }
                if !rule.condition.holds(v) { return v }
                last = v
            }
            return last
        }
        if let server = scope.server {
            let rows = ((json[section] as? [String: Any])?["byServer"] as? [String: Any])?["rows"] as? [[String: Any]] ?? []
            guard let row = rows.first(where: { ($0["key"] as? String) == server }) else { return nil }
            return ReportShape.value(path.dropFirst(), in: row)
        }
        let list: String, match: ([String: Any]) -> Bool
        let namespace = scope.namespace
        func inNamespace(_ r: [String: Any]) -> Bool { namespace == nil || r["namespace"] as? String == namespace }
        if let pod = scope.pod {
            list = "pods"
            match = { r in inNamespace(r) && (r["name"] as? String == pod || "\(r["namespace"] ?? "")/\(r["name"] ?? "")" == pod)
            }
        } else if let workload = scope.workload {
            list = "workloads"
            match = { r in
                let w = r["workload"] as? String ?? ""
                return inNamespace(r) && (w == workload || w.split(separator: "/").last.map(String.init) == workload)
            }
        } else {
            list = "namespaces"
            match = inNamespace
        }
        guard let row = (json[list] as? [[String: Any]] ?? []).first(where: match),
            let object = row[section] as? [String: Any]
        else { return nil }
        return ReportShape.value(path.dropFirst(), in: object)
    }

    /// Shell-style match: `*` any run of characters, `?` exactly one; case-insensitive (DNS).
    static func glob(_ pattern: String, _ text: String) -> Bool {
        let p = Array(pattern.lowercased()), t = Array(text.lowercased())
        var pi = 0, ti = 0, star = -1, mark = 0
        while ti < t.count {
            if pi < p.count && (p[pi] == "?" || p[pi] == t[ti]) {
                pi += 1
                ti += 1
            } else if pi < p.count && p[pi] == "*" {
                star = pi
                mark = ti
                pi += 1
            } else if star >= 0 {
                pi = star + 1
                mark += 1
                ti = mark
            } else {
                return false
            }
        }
        while pi < p.count && p[pi] == "*" { pi += 1 }
        return pi == p.count
    }

    static func format(_ v: Double, _ path: [String]) -> String {
        switch ReportShape.kind(path) {
        case .duration: return String(format: "%.3f ms", v * 1000)
        case .share: return String(format: "%.2f%%", v * 100)
        case .count: return v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : String(v)
        }
    }

    /// JUnit XML (one testsuite, a testcase per rule; failures carry the message).
    public static func junit(_ verdicts: [Verdict], suite: String = "loupe check") -> String {
        func escape(_ s: String) -> String {
            var out = ""
            for u in s.unicodeScalars {
                switch u {
                case "&": out += "&amp;"
                case "<": out += "&lt;"
                case ">": out += "&gt;"
                case "\"": out += "&quot;"
                case "'": out += "&apos;"
                default: out.unicodeScalars.append(u.value < 0x20 && u != "\n" && u != "\t" ? "?" : u)
                }
            }
            return out
        }
        let failures = verdicts.filter { !$0.passed }.count
        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        out +=
            "<testsuites><testsuite name=\"\(escape(suite))\" tests=\"\(verdicts.count)\" failures=\"\(failures)\" errors=\"0\">\n"
        for v in verdicts {
            out += "  <testcase classname=\"loupe.rules\" name=\"\(escape(v.name))\">"
            if !v.passed { out += "<failure message=\"\(escape(v.message))\">\(escape(v.condition))</failure>" }
            out += "<system-out>\(escape(v.message))</system-out></testcase>\n"
        }
        return out + "</testsuite></testsuites>\n"
    }
}
