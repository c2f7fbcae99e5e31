import Reports
import Rules
import Testing

/// Rules files: conditions parsed into report values in the report's units, and every
/// mistake an error with its line and column, before any capture is read.
struct RulesFileTests {
    @Test func conditionsAndUnits() throws {
        let rules = try RulesFile.parse(
            """
            rules:
              - name: dns-fast
                condition: dns.latency.p99 < 50ms
              - name: no-servfail
                condition: dns.rcodes.SERVFAIL == 0
              - name: checkout-clean
                scope: {namespace: shop, workload: checkout}
                condition: tcp.retransmissionRate < 1%
              - name: api
                condition: apiServer.latency.p95 <= 0.2s
              - name: named
                condition: attribution.resolvedFlowShare > 95%
              - name: micro
                condition: tls.handshakeLatency.max != 1500us
            """, file: "r.yaml")
        #expect(rules.map(\.name) == ["dns-fast", "no-servfail", "checkout-clean", "api", "named", "micro"])
        #expect(
            rules[0].condition.path == ["dns", "latency", "p99"] && rules[0].condition.value == 0.05
                && rules[0].condition.op == .lt)
        #expect(rules[2].condition.value == 0.01 && rules[2].scope?.workload == "checkout" && rules[2].scope?.namespace == "shop")
        #expect(rules[3].condition.value == 0.2 && rules[3].condition.op == .le)
        #expect(rules[4].condition.value == 0.95 && rules[5].condition.value == 0.0015)
        #expect(rules[1].line == 4 && rules[1].column == 5, "\(rules[1].line):\(rules[1].column)")
    }

    @Test(arguments: [
        (
            "rules:\n  - name: a\n    condition: dns.latncy.p99 < 5ms\n",
            "r.yaml:3:16: rule `a`: the report has no value `dns.latncy`"
        ),
        (
            "rules:\n  - name: a\n    condition: dns.latency.p99 < 5\n",
            "r.yaml:3:16: rule `a`: `dns.latency.p99` is a duration: give a unit"
        ),
        (
            "rules:\n  - name: a\n    condition: tcp.retransmissions < 5%\n",
            "r.yaml:3:16: rule `a`: `tcp.retransmissions` is a count: no unit"
        ),
        (
            "rules:\n  - name: a\n    condition: tcp.retransmissionRate < 5ms\n",
            "r.yaml:3:16: rule `a`: `tcp.retransmissionRate` is a share"
        ),
        ("rules:\n  - name: a\n    condition: dns.latency.p99 5ms\n", "r.yaml:3:16: rule `a`: expected `value op number`"),
        (
            "rules:\n  - name: a\n    condition: dns.latency < 5ms\n",
            "r.yaml:3:16: rule `a`: `dns.latency` is an object: name one of its values"
        ),
        (
            "rules:\n  - name: a\n    condition: dns.rcodes < 5\n",
            "r.yaml:3:16: rule `a`: `dns.rcodes` is a map of counts: name one key"
        ),
        ("rules:\n  - name: a\n    condition: dns.queries < lots\n", "r.yaml:3:16: rule `a`: `lots` is not a number"),
        (
            "rules:\n  - name: a\n    condition: dns.queries < 5\n  - name: a\n    condition: dns.queries < 6\n",
            "r.yaml:4:11: a second rule named `a`"
        ),
        ("rules:\n  - name: a\n    conditon: dns.queries < 5\n", "r.yaml:3:5: unknown key `conditon`"),
        ("rules:\n  - name: a\n    scope: {team: x}\n    condition: dns.queries < 5\n", "r.yaml:3:13: unknown scope `team`"),
        (
            "rules:\n  - name: a\n    scope: {pod: x}\n    condition: apiServer.exchanges < 5\n",
            "r.yaml:4:16: rule `a`: a pod, workload or namespace scope"
        ),
        ("nothing: here\n", "r.yaml:1:1: expected a mapping with a `rules` list"),
        ("rules: [\n", "r.yaml:"),
    ])
    func mistakesNameTheirPlace(_ text: String, _ message: String) {
        do {
            _ = try RulesFile.parse(text, file: "r.yaml")
            Issue.record("parsed: \(text)")
        } catch {
            #expect(error.description.hasPrefix(message), "\(error.description)")
        }
    }

    @Test func judgingReadsTheReportsKeys() throws {
        let rules = try RulesFile.parse(
            """
            rules:
              - {name: servfail, condition: dns.rcodes.SERVFAIL == 0}
              - {name: nxdomain, condition: dns.rcodes.NXDOMAIN < 2}
              - {name: latency, condition: dns.latency.p99 < 50ms}
              - {name: failures, condition: tls.failures.total == 0}
            """, file: "r.yaml")
        var report = Report.empty
        report.dns.rcodes = ["NXDOMAIN": 3]
        report.dns.latency = Percentiles(count: 2, p50: 0.01, p90: 0.2, p95: 0.2, p99: 0.2, max: 0.2)
        let verdicts = Judge.judge(rules, report)
        #expect(verdicts.map(\.passed) == [true, false, false, true])
        #expect(verdicts[1].message == "dns.rcodes.NXDOMAIN = 3, wanted < 2")
        #expect(verdicts[2].message == "dns.latency.p99 = 200.000 ms, wanted < 50.000 ms")
        let byName = try RulesFile.parse(
            """
            rules:
              - {name: cluster-fast, scope: {name: "*.svc.cluster.local"}, condition: dns.latency.p99 < 100ms}
              - {name: external-fast, scope: {name: "*.example.com"}, condition: dns.latency.p99 < 100ms}
            """, file: "r.yaml")
        var named = Report.empty
        let slow = Percentiles(count: 1, p50: 0.3, p90: 0.3, p95: 0.3, p99: 0.3, max: 0.3)
        let fast = Percentiles(count: 1, p50: 0.01, p90: 0.01, p95: 0.01, p99: 0.01, max: 0.01)
        named.dns.byName = RowList(
            total: 3,
            rows: [
                DNSGroupRow(key: "api.shop.svc.cluster.local", transactions: 1, unanswered: 0, errors: 0, latency: fast),
                DNSGroupRow(key: "db.shop.svc.cluster.local", transactions: 1, unanswered: 0, errors: 0, latency: fast),
                DNSGroupRow(key: "WWW.Example.com", transactions: 1, unanswered: 0, errors: 0, latency: slow),
            ])
        let nameVerdicts = Judge.judge(byName, named)
        #expect(nameVerdicts.map(\.passed) == [true, false] && nameVerdicts[1].value == 0.3)
        let empty = Judge.judge(rules, Report.empty)
        #expect(
            empty[2].passed == false && empty[2].value == nil && empty[2].message.contains("no data"),
            "no samples fails the rule: CI must not pass on a capture that lacks the data")
    }
}
