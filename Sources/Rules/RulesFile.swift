import Foundation
import Reports
import Yams

/// Reads a rules file (YAML: a top-level `rules` list of `name`, `condition` and optional
/// `scope`) and checks every rule against the report's shape before any capture is read:
/// an unknown value, a unit that does not fit it, or a malformed condition is an error with
/// its line and column.
public enum RulesFile {
    public static func load(path: String) throws(RuleError) -> [Rule] {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw RuleError(file: path, line: 0, column: 0, message: "cannot read the rules file")
        }
        return try parse(text, file: path)
    }

    public static func parse(_ text: String, file: String) throws(RuleError) -> [Rule] {
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: text) else {
                throw RuleError(file: file, line: 1, column: 1, message: "empty rules file")
            }
            root = node
        } catch let error as RuleError {
            throw error
        } catch let error as YamlError {
            throw RuleError(file: file, line: Self.line(of: error), column: 1, message: "not YAML: \(error)")
        } catch {
            throw RuleError(file: file, line: 1, column: 1, message: "not YAML: \(error)")
        }
        func fail(_ node: Node, _ message: String) -> RuleError {
            RuleError(file: file, line: node.mark?.line ?? 1, column: node.mark?.column ?? 1, message: message)
        }
        guard let top = root.mapping, let list = top["rules"] else { throw fail(root, "expected a mapping with a `rules` list") }
        guard let items = list.sequence else { throw fail(list, "`rules` must be a list") }
        var rules: [Rule] = []
        var names: Set<String> = []
        for item in items {
            guard let map = item.mapping else { throw fail(item, "a rule is a mapping with `name` and `condition`") }
            for (key, _) in map where !["name", "condition", "scope"].contains(key.string ?? "") {
                throw fail(key, "unknown key `\(key.string ?? "?")` (a rule has name, condition, scope)")
            }
            guard let nameNode = map["name"], let name = nameNode.string, !name.isEmpty else {
                throw fail(item, "a rule needs a `name`")
            }
            guard names.insert(name).inserted else { throw fail(nameNode, "a second rule named `\(name)`") }
            guard let conditionNode = map["condition"], let text = conditionNode.string else {
                throw fail(item, "rule `\(name)` needs a `condition`, e.g. dns.latency.p99 < 50ms")
            }
            var scope: Scope?
            if let s = map["scope"] {
                guard let sm = s.mapping else { throw fail(s, "`scope` is a mapping: namespace, workload, pod, server or name") }
                var sc = Scope()
                for (k, v) in sm {
                    guard let value = v.string else { throw fail(v, "scope values are strings") }
                    switch k.string {
                    case "namespace": sc.namespace = value
                    case "workload": sc.workload = value
                    case "pod": sc.pod = value
                    case "server": sc.server = value
                    case "name": sc.name = value
                    default: throw fail(k, "unknown scope `\(k.string ?? "?")` (namespace, workload, pod, server, name)")
                    }
                }
                scope = sc
            }
            let condition: Condition
            do throws(ConditionParser.Failure) {
                condition = try ConditionParser.parse(text, scope: scope)
            } catch {
                throw fail(conditionNode, "rule `\(name)`: \(error.message)")
            }
            rules.append(
                Rule(
                    name: name, condition: condition, scope: scope, line: item.mark?.line ?? 1,
                    column: item.mark?.column ?? 1))
        }
        if rules.isEmpty { throw fail(list, "no rules") }
        return rules
    }

    static func line(of error: YamlError) -> Int {
        if case .scanner(_, _, let mark, _) = error { return mark.line }
        if case .parser(_, _, let mark, _) = error { return mark.line }
        return 1
    }
}
