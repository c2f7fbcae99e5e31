import Foundation

/// Records the cluster for the pod-metadata sidecar (`loupe.sidecar/1`, README "Sidecar
/// format"): lists Pods, Services, EndpointSlices and Nodes when the capture starts (paged,
/// 500 at a time), then watches each kind from the list's resourceVersion, keeping every change
/// with the time it arrived, until `stop()`. A watch the server ends is resumed from the last
/// version seen; one that expired (410 Gone) relists its kind and records the objects as ADDED.
/// Objects lose `managedFields` and the last-applied annotation (large, never read).
/// Bounded: at most `maximumEvents` changes are kept, the rest counted in `notes`.
public final class ClusterWatcher: @unchecked Sendable {
    struct Kind { var name: String; var path: String; var apiVersion: String }
    static let kinds = [
        Kind(name: "Pod", path: "/api/v1/pods", apiVersion: "v1"),
        Kind(name: "Service", path: "/api/v1/services", apiVersion: "v1"),
        Kind(name: "EndpointSlice", path: "/apis/discovery.k8s.io/v1/endpointslices", apiVersion: "discovery.k8s.io/v1"),
        Kind(name: "Node", path: "/api/v1/nodes", apiVersion: "v1"),
    ]
    static let maximumEvents = 100_000

    let client: KubernetesClient
    let node: String
    private let lock = NSLock()
    private var items: [[String: Any]] = []
    private var events: [[String: Any]] = []
    private var droppedEvents = 0
    private var versions: [String: String] = [:]
    private var stopped = false
    private var finished: [DispatchSemaphore] = []
    private var _notes: [String] = []
    public private(set) var snapshotTime = 0.0

    public init(client: KubernetesClient, node: String) {
        self.client = client
        self.node = node
    }

    public var notes: [String] {
        lock.withLock {
            _notes + (droppedEvents > 0 ? ["\(droppedEvents) changes past the first \(Self.maximumEvents) not kept"] : [])
        }
    }
    public var counts: (objects: Int, events: Int) { lock.withLock { (items.count, events.count) } }

    private func note(_ s: String) { lock.withLock { _notes.append(s) } }

    /// Every object of a kind, following `continue` tokens; returns them and the list's version.
    private func list(_ kind: Kind) throws(KubernetesClient.HTTPError) -> ([[String: Any]], String) {
        var objects: [[String: Any]] = []
        var token: String?
        var version = ""
        repeat {
            var path = kind.path + "?limit=500"
            if let t = token { path += "&continue=" + (t.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? t) }
            let body = try client.get(path)
            guard let page = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] else {
                throw KubernetesClient.HTTPError(path: path, message: "not a JSON object")
            }
            for case let item as [String: Any] in page["items"] as? [Any] ?? [] { objects.append(Self.trim(item, kind)) }
            let metadata = page["metadata"] as? [String: Any]
            version = metadata?["resourceVersion"] as? String ?? version
            token = (metadata?["continue"] as? String).flatMap { $0.isEmpty ? nil : $0 }
        } while token != nil
        return (objects, version)
    }

    /// A list response's items carry no kind; the sidecar's do. Large unread fields go.
    static func trim(_ object: [String: Any], _ kind: Kind) -> [String: Any] {
        var o = object
        o["kind"] = kind.name
        o["apiVersion"] = kind.apiVersion
        if var metadata = o["metadata"] as? [String: Any] {
            metadata["managedFields"] = nil
            if var annotations = metadata["annotations"] as? [String: Any] {
                annotations["kubectl.kubernetes.io/last-applied-configuration"] = nil
                metadata["annotations"] = annotations
            }
            o["metadata"] = metadata
        }
        return o
    }

    /// The snapshot. Throws when the API cannot be listed at all (the caller records without it).
    public func snapshot() throws(CaptureAgentError) {
        snapshotTime = Date().timeIntervalSince1970
        for kind in Self.kinds {
            do {
                let (objects, version) = try list(kind)
                lock.withLock {
                    items += objects
                    versions[kind.name] = version
                }
            } catch {
                // Pods are what attribution needs; without them there is no sidecar worth writing.
                if kind.name == "Pod" { throw CaptureAgentError("Kubernetes API \(client.connection.server): \(error)") }
                note("listing \(kind.name)s failed: \(error)")
            }
        }
    }

    /// Starts one watch thread per kind listed.
    public func startWatching() {
        for kind in Self.kinds where lock.withLock({ versions[kind.name] != nil }) {
            let done = DispatchSemaphore(value: 0)
            finished.append(done)
            let thread = Thread { [self] in
                watch(kind)
                done.signal()
            }
            thread.name = "watch " + kind.name
            thread.start()
        }
    }

    private var isStopped: Bool { lock.withLock { stopped } }

    private func watch(_ kind: Kind) {
        var failures = 0
        while !isStopped {
            var gone = false
            let version = lock.withLock { versions[kind.name] ?? "" }
            do {
                try client.stream(
                    kind.path + "?watch=1&allowWatchBookmarks=true&resourceVersion=" + version,
                    shouldStop: { [self] in isStopped }
                ) { [self] line in
                    if receive(line, kind) { gone = true }
                }
                failures = 0
            } catch {
                failures += 1
                note("watching \(kind.name)s: \(error)")
                // Back off (1, 2, 4 ... 30 s), waking for stop.
                let wait = min(30.0, pow(2.0, Double(failures - 1)))
                let until = Date().addingTimeInterval(wait)
                while !isStopped && Date() < until { Thread.sleep(forTimeInterval: 0.1) }
            }
            if gone && !isStopped {
                note("the \(kind.name) watch expired (410): relisted")
                if let (objects, version) = try? list(kind) {
                    let now = Date().timeIntervalSince1970
                    lock.withLock {
                        for o in objects { append(["time": now, "type": "ADDED", "object": o]) }
                        versions[kind.name] = version
                    }
                }
            }
        }
    }

    /// One watch line; true when the server says the version expired.
    private func receive(_ line: Data, _ kind: Kind) -> Bool {
        guard let event = (try? JSONSerialization.jsonObject(with: line)) as? [String: Any],
            let type = event["type"] as? String, let object = event["object"] as? [String: Any]
        else {
            note("a \(kind.name) watch line that is not an event")
            return false
        }
        let version = (object["metadata"] as? [String: Any])?["resourceVersion"] as? String
        switch type {
        case "ADDED", "MODIFIED", "DELETED":
            let now = Date().timeIntervalSince1970
            lock.withLock {
                append(["time": now, "type": type, "object": Self.trim(object, kind)])
                if let version { versions[kind.name] = version }
            }
        case "BOOKMARK":
            if let version { lock.withLock { versions[kind.name] = version } }
        case "ERROR":
            if object["code"] as? Int == 410 { return true }
            note("\(kind.name) watch error: \(object["message"] as? String ?? "?")")
        default:
            note("\(kind.name) watch event of type \(type)")
        }
        return false
    }

    /// Under the lock.
    private func append(_ event: [String: Any]) {
        if events.count < Self.maximumEvents { events.append(event) } else { droppedEvents += 1 }
    }

    /// Ends the watches (each within about a second: libcurl's progress callback asks).
    /// Idempotent: a second call returns at once.
    public func stop() {
        lock.withLock { stopped = true }
        for done in finished { _ = done.wait(timeout: .now() + 5) }
        finished = []
    }

    /// The sidecar document.
    public func sidecar() -> Data {
        let document: [String: Any] = lock.withLock {
            ["schema": "loupe.sidecar/1", "node": node, "snapshotTime": snapshotTime, "items": items, "events": events]
        }
        return (try? JSONSerialization.data(withJSONObject: document, options: [.sortedKeys])) ?? Data()
    }
}
