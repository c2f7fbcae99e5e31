import Foundation
import Yams

/// Where the Kubernetes API is and how to prove who we are: in a pod, the service account
/// (KUBERNETES_SERVICE_HOST/PORT, the mounted token and CA); elsewhere a kubeconfig's current
/// context (server, certificate-authority(-data), a token or a client certificate and key, by
/// file or inline data). Exec plugins and auth providers are not supported: say so.
public struct KubernetesConnection: Sendable {
    public var server: String
    public var certificateAuthority: Data?
    public var token: String?
    public var clientCertificate: Data?
    public var clientKey: Data?
    public var insecure = false

    public init(server: String) { self.server = server }

    public static let serviceAccount = "/var/run/secrets/kubernetes.io/serviceaccount"

    /// The pod's own service account, or nil when not running in a pod.
    public static func inCluster(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        directory: String = serviceAccount
    ) throws(CaptureAgentError) -> KubernetesConnection? {
        guard let host = environment["KUBERNETES_SERVICE_HOST"], let port = environment["KUBERNETES_SERVICE_PORT"] else {
            return nil
        }
        guard let token = FileManager.default.contents(atPath: directory + "/token") else {
            throw CaptureAgentError("in a pod, but no service account token at \(directory)/token")
        }
        var c = KubernetesConnection(server: "https://" + (host.contains(":") ? "[\(host)]" : host) + ":" + port)
        c.token = String(decoding: token, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        c.certificateAuthority = FileManager.default.contents(atPath: directory + "/ca.crt")
        return c
    }

    /// The current context of a kubeconfig file (`--kubeconfig`).
    public static func kubeconfig(path: String) throws(CaptureAgentError) -> KubernetesConnection {
        guard let data = FileManager.default.contents(atPath: path) else { throw CaptureAgentError("\(path): cannot read") }
        let root: [String: Any]
        do {
            guard let r = try Yams.load(yaml: String(decoding: data, as: UTF8.self)) as? [String: Any] else {
                throw CaptureAgentError("\(path): not a kubeconfig (no mapping at the top)")
            }
            root = r
        } catch let e as CaptureAgentError { throw e } catch {
            throw CaptureAgentError("\(path): not YAML: \(error)")
        }
        func named(_ list: String, _ name: String?) -> [String: Any]? {
            let entries = root[list] as? [[String: Any]] ?? []
            let entry: [String: Any]? = if let name { entries.first { $0["name"] as? String == name } } else { entries.first }
            return entry?[String(list.dropLast())] as? [String: Any]
        }
        let base = (path as NSString).deletingLastPathComponent
        func file(_ p: String) -> Data? { FileManager.default.contents(atPath: p.hasPrefix("/") ? p : base + "/" + p) }
        func pem(_ o: [String: Any], _ key: String) throws(CaptureAgentError) -> Data? {
            if let inline = o[key + "-data"] as? String {
                guard let d = Data(base64Encoded: inline.filter { !$0.isWhitespace }) else {
                    throw CaptureAgentError("\(path): \(key)-data is not base64")
                }
                return d
            }
            if let p = o[key] as? String {
                guard let d = file(p) else { throw CaptureAgentError("\(path): cannot read \(key) \(p)") }
                return d
            }
            return nil
        }
        let contextName = root["current-context"] as? String
        let context = named("contexts", contextName)
        guard let cluster = named("clusters", context?["cluster"] as? String), let server = cluster["server"] as? String else {
            throw CaptureAgentError("\(path): no cluster server for context \(contextName ?? "(none)")")
        }
        var c = KubernetesConnection(server: server.hasSuffix("/") ? String(server.dropLast()) : server)
        c.certificateAuthority = try pem(cluster, "certificate-authority")
        c.insecure = cluster["insecure-skip-tls-verify"] as? Bool ?? false
        let user = named("users", context?["user"] as? String) ?? [:]
        if user["exec"] != nil || user["auth-provider"] != nil {
            throw CaptureAgentError(
                "\(path): the user authenticates through an exec plugin or auth provider, which loupe-agent does not run; use a token or a client certificate"
            )
        }
        if let t = user["token"] as? String { c.token = t }
        if let f = user["tokenFile"] as? String, let d = file(f) {
            c.token = String(decoding: d, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        c.clientCertificate = try pem(user, "client-certificate")
        c.clientKey = try pem(user, "client-key")
        return c
    }
}
