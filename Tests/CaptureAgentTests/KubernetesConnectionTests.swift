import CaptureAgent
import Foundation
import Testing

/// Where the agent finds the API and its credentials: in a pod, and in kubeconfig files.
struct KubernetesConnectionTests {
    static func temporary() throws -> String {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent(
            "loupe-kc-\(getpid())-\(Int.random(in: 0..<1_000_000))"
        ).path
        try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d
    }

    @Test func inCluster() throws {
        let d = try Self.temporary()
        defer { try? FileManager.default.removeItem(atPath: d) }
        #expect(try KubernetesConnection.inCluster(environment: [:], directory: d) == nil, "not in a pod")
        let env = ["KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "443"]
        #expect(throws: CaptureAgentError.self) { try KubernetesConnection.inCluster(environment: env, directory: d) }
        try "abc.def\n".write(toFile: d + "/token", atomically: true, encoding: .utf8)
        try "CA".write(toFile: d + "/ca.crt", atomically: true, encoding: .utf8)
        let c = try #require(try KubernetesConnection.inCluster(environment: env, directory: d))
        #expect(c.server == "https://10.96.0.1:443" && c.token == "abc.def" && c.certificateAuthority == Data("CA".utf8))
        let v6 = try #require(
            try KubernetesConnection.inCluster(
                environment: [
                    "KUBERNETES_SERVICE_HOST": "fd00::1",
                    "KUBERNETES_SERVICE_PORT": "443",
                ], directory: d))
        #expect(v6.server == "https://[fd00::1]:443")
    }

    @Test func kubeconfigContextsAndFiles() throws {
        let d = try Self.temporary()
        defer { try? FileManager.default.removeItem(atPath: d) }
        try "CERT".write(toFile: d + "/client.crt", atomically: true, encoding: .utf8)
        try "KEY".write(toFile: d + "/client.key", atomically: true, encoding: .utf8)
        let config = """
            apiVersion: v1
            kind: Config
            current-context: prod
            clusters:
            - name: dev
              cluster: {server: "https://dev:6443"}
            - name: prod
              cluster:
                server: https://prod.example:6443/
                certificate-authority-data: \(Data("PEM".utf8).base64EncodedString())
            contexts:
            - name: dev
              context: {cluster: dev, user: dev}
            - name: prod
              context: {cluster: prod, user: admin}
            users:
            - name: dev
              user: {token: dev-token}
            - name: admin
              user:
                client-certificate: client.crt
                client-key: client.key
            """
        try config.write(toFile: d + "/config", atomically: true, encoding: .utf8)
        let c = try KubernetesConnection.kubeconfig(path: d + "/config")
        #expect(c.server == "https://prod.example:6443", "the current context's cluster, trailing slash dropped")
        #expect(c.certificateAuthority == Data("PEM".utf8) && c.token == nil)
        #expect(c.clientCertificate == Data("CERT".utf8) && c.clientKey == Data("KEY".utf8), "files relative to the kubeconfig")

        let exec = config.replacingOccurrences(
            of: "client-certificate: client.crt\n    client-key: client.key",
            with: "exec: {command: aws, args: [eks, get-token]}")
        try exec.write(toFile: d + "/exec", atomically: true, encoding: .utf8)
        #expect { try KubernetesConnection.kubeconfig(path: d + "/exec") } throws: { e in
            "\(e)".contains("exec plugin")
        }
        try "- just a list".write(toFile: d + "/bad", atomically: true, encoding: .utf8)
        #expect(throws: CaptureAgentError.self) { try KubernetesConnection.kubeconfig(path: d + "/bad") }
    }
}
