import Foundation
import Testing
import Yams
import _TestSupport

/// deploy/: the DaemonSet, RBAC and the on-demand capture Jobs (scripts/loupe-capture) parsed
/// as Kubernetes would read them, checked for what matters: only the capabilities the agent
/// needs, read-only API access to exactly the four kinds the sidecar needs, the output on the
/// host path under --output-root, and arguments the agent accepts.
struct DeploymentManifestTests {
    static func documents(_ yaml: String) throws -> [[String: Any]] {
        try Yams.load_all(yaml: yaml).compactMap { $0 as? [String: Any] }
    }

    static func file(_ name: String) throws -> String {
        try String(contentsOf: Corpus.packageRoot.appendingPathComponent("deploy/" + name), encoding: .utf8)
    }

    static func podSpec(_ workload: [String: Any]) -> [String: Any] {
        (((workload["spec"] as? [String: Any])?["template"] as? [String: Any])?["spec"] as? [String: Any]) ?? [:]
    }

    /// The checks every pod spec that runs the agent must pass; returns its arguments.
    static func checkAgentPod(_ spec: [String: Any], _ what: String) -> [String] {
        #expect(spec["serviceAccountName"] as? String == "loupe-agent", "\(what)")
        #expect(spec["hostNetwork"] as? Bool == true, "\(what): the node's interfaces")
        let container = (spec["containers"] as? [[String: Any]])?.first ?? [:]
        let security = container["securityContext"] as? [String: Any] ?? [:]
        let caps = security["capabilities"] as? [String: Any] ?? [:]
        #expect(Set(caps["add"] as? [String] ?? []) == ["NET_RAW", "NET_ADMIN", "BPF", "PERFMON"], "\(what)")
        #expect(caps["drop"] as? [String] == ["ALL"], "\(what)")
        #expect(security["privileged"] as? Bool == false && security["allowPrivilegeEscalation"] as? Bool == false, "\(what)")
        #expect(security["readOnlyRootFilesystem"] as? Bool == true, "\(what)")
        let args = container["args"] as? [String] ?? []
        #expect(args.first == "record", "\(what)")
        // The output root is the host path's mount, and the output is inside it.
        let mounts = container["volumeMounts"] as? [[String: Any]] ?? []
        let volumes = spec["volumes"] as? [[String: Any]] ?? []
        let root = args.first { $0.hasPrefix("--output-root=") }.map { String($0.dropFirst("--output-root=".count)) }
        let output = args.first { $0.hasPrefix("--output=") }.map { String($0.dropFirst("--output=".count)) }
        let mount = mounts.first { $0["mountPath"] as? String == root }
        #expect(mount != nil, "\(what): --output-root \(root ?? "-") is a mount")
        let volume = volumes.first { $0["name"] as? String == mount?["name"] as? String }
        #expect((volume?["hostPath"] as? [String: Any])?["path"] as? String == "/var/lib/loupe", "\(what)")
        #expect(output?.hasPrefix((root ?? "?") + "/") == true, "\(what)")
        return args
    }

    /// The agent accepts the arguments: pointed at a missing interface and a temporary root, it
    /// fails on the interface (exit 2, no usage error), not on an option.
    static func checkAgentAccepts(_ args: [String]) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-deploy-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let concrete = args.dropFirst().map {
            $0.replacingOccurrences(of: "/var/lib/loupe", with: dir).replacingOccurrences(of: "$(NODE_NAME)", with: "node-a")
                .replacingOccurrences(of: "--interface=any", with: "--interface=loupe-missing0")
        }
        let r = try run(AgentRecordTests.agent, ["record"] + concrete + ["--no-kernel-events"])
        #expect(r.status == 2 && r.stderr.contains("loupe-missing0") && !r.stderr.contains("Usage"), "\(concrete): \(r.stderr)")
    }

    @Test func daemonSet() throws {
        let docs = try Self.documents(Self.file("daemonset.yaml"))
        let ds = try #require(docs.first { $0["kind"] as? String == "DaemonSet" })
        #expect((ds["metadata"] as? [String: Any])?["namespace"] as? String == "loupe")
        let args = Self.checkAgentPod(Self.podSpec(ds), "DaemonSet")
        #expect(args.contains("--rotate-size=100MB") && args.contains("--rotate-files=10"), "a ring bounded to 1 GB")
        try Self.checkAgentAccepts(args)
    }

    @Test func rbacIsReadOnlyOnFourKinds() throws {
        let docs = try Self.documents(Self.file("rbac.yaml"))
        let role = try #require(docs.first { $0["kind"] as? String == "ClusterRole" })
        var granted: Set<String> = []
        for rule in role["rules"] as? [[String: Any]] ?? [] {
            #expect(Set(rule["verbs"] as? [String] ?? []).isSubset(of: ["get", "list", "watch"]), "read only")
            for group in rule["apiGroups"] as? [String] ?? [] {
                for resource in rule["resources"] as? [String] ?? [] { granted.insert(group + "/" + resource) }
            }
        }
        #expect(granted == ["/pods", "/services", "/nodes", "discovery.k8s.io/endpointslices"])
        let binding = try #require(docs.first { $0["kind"] as? String == "ClusterRoleBinding" })
        let subject = (binding["subjects"] as? [[String: Any]])?.first
        #expect(subject?["name"] as? String == "loupe-agent" && subject?["namespace"] as? String == "loupe")
        #expect((binding["roleRef"] as? [String: Any])?["name"] as? String == "loupe-agent")
        #expect(docs.contains { $0["kind"] as? String == "ServiceAccount" })
    }

    /// scripts/loupe-capture --dry-run: one Job per node, pinned to it; a hostile filter stays
    /// one argument.
    @Test func onDemandCaptureJobs() throws {
        let filter = "port 53 or host \"x\"\n  - --evil"
        let r = try run(
            Corpus.packageRoot.appendingPathComponent("scripts/loupe-capture").path,
            ["incident-7", "--nodes", "node-a,node-b", "--duration", "90", "--filter", filter, "--dry-run"])
        #expect(r.status == 0, "\(r.stderr)")
        let jobs = try Self.documents(r.stdout)
        #expect(jobs.count == 2 && jobs.allSatisfy { $0["kind"] as? String == "Job" })
        for (job, node) in zip(jobs, ["node-a", "node-b"]) {
            let spec = Self.podSpec(job)
            #expect(spec["nodeName"] as? String == node && spec["restartPolicy"] as? String == "Never")
            let args = Self.checkAgentPod(spec, "Job \(node)")
            #expect(args.contains("--duration=90") && args.contains("--filter=" + filter))
            #expect(args.contains("--output=/var/lib/loupe/incident-7-\(node).tar.zst"))
            #expect(!args.contains("--evil"))
        }
        let bad = try run(
            Corpus.packageRoot.appendingPathComponent("scripts/loupe-capture").path,
            ["Bad_Name", "--nodes", "a", "--dry-run"])
        #expect(bad.status == 2 && bad.stderr.contains("DNS label"))
    }
}
