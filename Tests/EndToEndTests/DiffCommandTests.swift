import Foundation
import Testing
import _TestSupport

/// `loupe diff` between a clean and an impaired recording of the same scenario
/// (fixtures/gen/record-diff-pair.sh: 3% of the server's packets dropped, 40 ms more server
/// time): it names the retransmissions and the latency, and nothing else.
struct DiffCommandTests {
    static let clean = Fixtures.path("pcaps/diff/clean.pcapng"), impaired = Fixtures.path("pcaps/diff/impaired.pcapng")
    static let pods = ["--pods", Fixtures.path("pods/diff.kubectl.json")]

    @Test func namesTheRegressionsAndNothingElse() throws {
        let r = try LoupeBinary.json(["diff", "--format", "json"] + Self.pods + [Self.clean, Self.impaired])
        #expect(r.status == 0)
        let regressions = (r.json["regressions"] as? [[String: Any]] ?? []).compactMap { $0["metric"] as? String }
        #expect(
            Set(regressions) == [
                "tcp.retransmissionRate", "apiServer.latency.p50", "apiServer.latency.p99",
                "pods[kube-system/kube-apiserver-node1].tcp.retransmissionRate",
                "pods[shop/web-6b8c7d9f5-zz9x1].tcp.retransmissionRate",
            ])
        #expect((r.json["improvements"] as? [Any])?.isEmpty == true)
        let gate = try LoupeBinary.run(["diff", "--fail-on-regression"] + Self.pods + [Self.clean, Self.impaired])
        #expect(gate.status == 1 && gate.stdout.contains("WORSE  apiServer.latency.p50: 10.338 ms -> 50.299 ms"))
        let back = try LoupeBinary.run(["diff", "--fail-on-regression"] + Self.pods + [Self.impaired, Self.clean])
        #expect(back.status == 0 && !back.stdout.contains("WORSE") && back.stdout.contains("BETTER tcp.retransmissionRate"))
    }

    @Test func jsonReportsAsInputs() throws {
        var files: [String] = []
        for capture in [Self.clean, Self.impaired] {
            let r = try LoupeBinary.run(["report", "--format", "json"] + Self.pods + [capture])
            files.append(temporaryFile(Array(r.stdout.utf8), suffix: ".json"))
        }
        let fromJSON = try LoupeBinary.run(["diff", files[0], files[1]]).stdout.split(separator: "\n").dropFirst()
        let fromCaptures = try LoupeBinary.run(["diff"] + Self.pods + [Self.clean, Self.impaired]).stdout.split(separator: "\n")
            .dropFirst()
        #expect(Array(fromJSON) == Array(fromCaptures) && fromJSON.count == 5)
        let same = try LoupeBinary.run(["diff", "--fail-on-regression", files[0], files[0]])
        #expect(same.status == 0 && same.stdout.hasSuffix("no change past the thresholds\n"))
        let stricter = try LoupeBinary.run(["diff", "--min-share", "2", files[0], files[1]])
        #expect(!stricter.stdout.contains("retransmissionRate"), "1.15 pp is under a 2 pp floor")
    }
}
