import CaptureFormats
import Foundation

/// Cluster metadata for a capture: the objects at its start, and timed changes during it.
///
/// Two inputs: what `kubectl get pods,services,endpointslices,nodes -A -o json` prints (a v1
/// List: a snapshot only), and Loupe's sidecar (schema `loupe.sidecar/1`, README "Sidecar
/// format", `docs/sidecar.schema.json`): `{"schema", "snapshotTime", "items": [objects],
/// "events": [{"time", "type": "ADDED"|"MODIFIED"|"DELETED", "object"}]}`, times in seconds
/// since the epoch, objects as the Kubernetes API writes them (so a watch stream maps onto
/// it one event per line).
public struct ClusterMetadata: Sendable {
    public struct Event: Sendable, Equatable {
        public enum Kind: String, Sendable { case added = "ADDED", modified = "MODIFIED", deleted = "DELETED" }
        public var time: Double
        public var kind: Kind
        public var object: ClusterObject

        public init(time: Double, kind: Kind, object: ClusterObject) {
            self.time = time
            self.kind = kind
            self.object = object
        }
    }

    public var objects: [ClusterObject] = []
    /// In time order.
    public var events: [Event] = []
    /// Missing fields and skipped entries, for the report's warnings.
    public var warnings: [String] = []

    public static let sidecarSchema = "loupe.sidecar/1"
    /// Larger metadata files are refused (a real cluster's List is a few MB).
    public static let maximumFileSize = 256 << 20

    public init() {}

    /// Reads one file; errors name the file and the field.
    public static func load(path: String) throws(MetadataError) -> ClusterMetadata {
        let data: Data
        do {
            let size = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
            guard size <= maximumFileSize else {
                throw MetadataError.unreadable(path: path, reason: "\(size) bytes, more than the \(maximumFileSize)-byte limit")
            }
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch let error as MetadataError {
            throw error
        } catch {
            throw MetadataError.unreadable(path: path, reason: "cannot read (\(error.localizedDescription))")
        }
        return try parse(data, name: path)
    }

    /// Parses a file's bytes; `name` prefixes every error.
    public static func parse(_ data: Data, name: String) throws(MetadataError) -> ClusterMetadata {
        do {
            return try parseUnnamed(data, name: name)
        } catch {
            throw error.naming(name)
        }
    }

    private static func parseUnnamed(_ data: Data, name: String) throws(MetadataError) -> ClusterMetadata {
        let json: Any
        do {
            json = try JSONSerialization.jsonObject(with: data)
        } catch {
            throw MetadataError.unreadable(
                path: name, reason: "not JSON (\((error as NSError).userInfo["NSDebugDescription"] ?? error))")
        }
        guard let root = JSONFields(json, path: "") else {
            throw MetadataError.unsupported(path: name, reason: "expected a JSON object (a v1 List or a Loupe sidecar)")
        }
        var decoder = KubeObjectDecoder()
        var out = ClusterMetadata()
        if let schema = try root.string("schema") {
            guard schema == sidecarSchema else {
                throw MetadataError.unsupported(
                    path: name, reason: "sidecar schema \"\(schema)\", this Loupe reads \"\(sidecarSchema)\"")
            }
            for item in try root.objects("items") { if let o = try decoder.decode(item) { out.objects.append(o) } }
            for e in try root.objects("events") {
                guard let time = try e.number("time") else {
                    out.warnings.append("\(e.path): no time, skipped")
                    continue
                }
                guard let typeText = try e.string("type"), let kind = Event.Kind(rawValue: typeText) else {
                    out.warnings.append("\(e.path): type is not ADDED, MODIFIED or DELETED, skipped")
                    continue
                }
                guard let object = try e.object("object"), let decoded = try decoder.decode(object) else { continue }
                out.events.append(Event(time: time, kind: kind, object: decoded))
            }
            out.events.sort { $0.time < $1.time }
        } else if try root.string("kind") == "List" || root.object["items"] != nil {
            for item in try root.objects("items") { if let o = try decoder.decode(item) { out.objects.append(o) } }
        } else if let single = try decoder.decode(root) {
            out.objects.append(single)
        } else {
            throw MetadataError.unsupported(
                path: name, reason: "neither a v1 List, a Loupe sidecar nor a Pod, Service, EndpointSlice or Node")
        }
        out.warnings += decoder.warnings
        return out
    }

    /// Several files (a List and a sidecar, say) as one: objects and events together.
    public mutating func merge(_ other: ClusterMetadata) {
        objects += other.objects
        events = (events + other.events).sorted { $0.time < $1.time }
        warnings += other.warnings
    }
}

extension MetadataError {
    /// The same error with the file's name in front of a field path.
    func naming(_ file: String) -> MetadataError {
        switch self {
        case .wrongType(let field, let expected, let found): .wrongType(file + ": " + field, expected: expected, found: found)
        default: self
        }
    }
}
