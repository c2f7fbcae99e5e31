import Dissectors

/// A Kubernetes API request read from its method and target (the apiserver's own
/// RequestInfo rules, k8s.io/apiserver/pkg/endpoints/request): `/api/v1/...` (core group)
/// and `/apis/GROUP/VERSION/...`, optionally `namespaces/NS/`, then the resource, a name and
/// a subresource. Anything else (`/healthz`, `/version`, `/openapi/v2`) is not a resource
/// request: its verb is the method in lower case.
struct HTTPTarget {
    var verb: String
    var group: String?
    var version: String?
    var resource: String?
    var namespace: String?
    var name: String?
    var subresource: String?

    init(method: String, target: String) {
        let pathEnd = target.firstIndex(of: "?") ?? target.endIndex
        let query = pathEnd < target.endIndex ? target[target.index(after: pathEnd)...] : ""
        var parts = target[..<pathEnd].split(separator: "/").map(String.init)
        verb = method.lowercased()
        if parts.first == "api", parts.count >= 2 {
            version = parts[1]
            parts.removeFirst(2)
        } else if parts.first == "apis", parts.count >= 3 {
            group = parts[1]
            version = parts[2]
            parts.removeFirst(3)
        } else {
            return
        }
        var watchPath = false
        if parts.first == "watch" {  // the deprecated /watch/ prefix
            watchPath = true
            parts.removeFirst()
        }
        if parts.count >= 3, parts[0] == "namespaces" {
            namespace = parts[1]
            parts.removeFirst(2)
        } else if parts.count >= 1, parts[0] == "namespaces" {
            // /api/v1/namespaces[/NAME[/SUBRESOURCE]]: the namespace object itself.
            if parts.count >= 2 { namespace = parts[1] }
        }
        guard let r = parts.first else { return }
        resource = r
        if parts.count >= 2 { name = parts[1] }
        if parts.count >= 3 { subresource = parts[2...].joined(separator: "/") }
        let watch = watchPath || Self.queryFlag(query, "watch")
        switch method {
        case "GET", "HEAD": verb = watch ? "watch" : name == nil ? "list" : "get"
        case "POST": verb = "create"
        case "PUT": verb = "update"
        case "PATCH": verb = "patch"
        case "DELETE": verb = name == nil ? "deletecollection" : "delete"
        default: verb = method.lowercased()
        }
    }

    /// "list pods", "get deployments/status": the verb and resource (and subresource).
    var key: String {
        guard var r = resource else { return verb }
        if let s = subresource { r += "/" + s }
        return verb + " " + r
    }

    static func queryFlag(_ query: Substring, _ name: String) -> Bool {
        query.split(separator: "&").contains { item in
            item == name || item == name + "=1" || item == name + "=true"
        }
    }

    static func isWatch(_ target: String) -> Bool {
        guard let q = target.firstIndex(of: "?") else { return target.contains("/watch/") }
        return queryFlag(target[target.index(after: q)...], "watch") || target[..<q].contains("/watch/")
    }

    /// A watch event that ends the watch for an expired resourceVersion: `"type":"ERROR"` with
    /// `"code":410` in the same piece of body (an event is one JSON line, sent whole).
    static func isExpiredEvent(_ data: ByteSlice) -> Bool {
        // An event is small; a larger piece is a bulk object, not an ERROR event.
        guard data.count <= 64 * 1024 else { return false }
        let compact = String(String(decoding: data.base, as: UTF8.self).filter { $0 != " " })
        return compact.contains("\"type\":\"ERROR\"") && compact.contains("\"code\":410")
    }
}
