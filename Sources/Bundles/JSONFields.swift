import CaptureFormats
import Foundation

/// Typed reads from parsed JSON with the path of every field, so a wrong type is an error
/// that names the field ("items[3].status.podIP: expected a string, found a number") and a
/// missing one a warning. Unknown fields are never looked at.
struct JSONFields {
    let object: [String: Any]
    let path: String

    init?(_ value: Any?, path: String) {
        guard let object = value as? [String: Any] else { return nil }
        self.object = object
        self.path = path
    }

    func at(_ key: String) -> String { path.isEmpty ? key : path + "." + key }

    func string(_ key: String) throws(MetadataError) -> String? {
        guard let value = object[key], !(value is NSNull) else { return nil }
        guard let s = value as? String else { throw MetadataError.wrongType(at(key), expected: "a string", value) }
        return s
    }

    func bool(_ key: String) throws(MetadataError) -> Bool? {
        guard let value = object[key], !(value is NSNull) else { return nil }
        guard let b = value as? Bool else { throw MetadataError.wrongType(at(key), expected: "a boolean", value) }
        return b
    }

    func number(_ key: String) throws(MetadataError) -> Double? {
        guard let value = object[key], !(value is NSNull) else { return nil }
        if value is Bool { throw MetadataError.wrongType(at(key), expected: "a number", value) }
        if let d = value as? Double { return d }
        if let i = value as? Int { return Double(i) }
        throw MetadataError.wrongType(at(key), expected: "a number", value)
    }

    func object(_ key: String) throws(MetadataError) -> JSONFields? {
        guard let value = object[key], !(value is NSNull) else { return nil }
        guard let o = JSONFields(value, path: at(key)) else {
            throw MetadataError.wrongType(at(key), expected: "an object", value)
        }
        return o
    }

    func array(_ key: String) throws(MetadataError) -> [Any] {
        guard let value = object[key], !(value is NSNull) else { return [] }
        guard let a = value as? [Any] else { throw MetadataError.wrongType(at(key), expected: "an array", value) }
        return a
    }

    /// The array's elements as objects, each with its indexed path.
    func objects(_ key: String) throws(MetadataError) -> [JSONFields] {
        var out: [JSONFields] = []
        for (i, element) in try array(key).enumerated() {
            guard let o = JSONFields(element, path: at(key) + "[\(i)]") else {
                throw MetadataError.wrongType(at(key) + "[\(i)]", expected: "an object", element)
            }
            out.append(o)
        }
        return out
    }

    /// One string field of each object in an array (those that have it).
    func strings(_ key: String, each field: String) throws(MetadataError) -> [String] {
        var out: [String] = []
        for o in try objects(key) { if let s = try o.string(field) { out.append(s) } }
        return out
    }

    /// One number field of each object in an array, as integers.
    func integers(_ key: String, each field: String) throws(MetadataError) -> [Int] {
        var out: [Int] = []
        for o in try objects(key) {
            if let n = try o.number(field) { out.append(Int(exactly: n.rounded()) ?? 0) }
        }
        return out
    }

    func strings(_ key: String) throws(MetadataError) -> [String] {
        var out: [String] = []
        for (i, element) in try array(key).enumerated() {
            guard let s = element as? String else {
                throw MetadataError.wrongType(at(key) + "[\(i)]", expected: "a string", element)
            }
            out.append(s)
        }
        return out
    }
}

public enum MetadataError: Error, Sendable, CustomStringConvertible {
    case unreadable(path: String, reason: String)
    case wrongType(String, expected: String, found: String)
    case unsupported(path: String, reason: String)

    static func wrongType(_ field: String, expected: String, _ value: Any) -> MetadataError {
        let found: String
        switch value {
        case is Bool: found = "a boolean"
        case is String: found = "a string"
        case is Int, is Double: found = "a number"
        case is [Any]: found = "an array"
        case is [String: Any]: found = "an object"
        default: found = "null"
        }
        return .wrongType(field, expected: expected, found: found)
    }

    public var description: String {
        switch self {
        case .unreadable(let path, let reason): "\(path): \(reason)"
        case .wrongType(let field, let expected, let found): "\(field): expected \(expected), found \(found)"
        case .unsupported(let path, let reason): "\(path): \(reason)"
        }
    }
}
