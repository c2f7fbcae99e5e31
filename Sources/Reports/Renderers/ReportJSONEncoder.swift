import Foundation

/// Writes an `Encodable` value straight into UTF-8 bytes, in exactly the form Foundation's
/// `JSONEncoder` gives with `[.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]` and
/// non-finite doubles as the strings "inf", "-inf" and "nan" (a test holds the two equal on
/// every golden report, on the edge cases: empty containers, escapes, doubles, `Decimal`,
/// repeated keys, and on random trees).
///
/// Why not Foundation's: it builds a tree of boxed values (a dictionary per object) and
/// tries its special types (Date, Data, URL, Decimal, dictionaries) on every value by
/// dynamic cast, then serialises the tree: 76 ms for the 3.9 MB report of the 2M-packet
/// benchmark, all of it after the pass; this writer takes 32 ms. This writer emits each value where it
/// stands; an object's members are written in the order its `encode(to:)` gives them, and
/// only an object whose keys did not come sorted is reordered, by moving its members' bytes.
///
/// Containers are closed by nesting: Swift's `Encoder` has no "container done" call, so an
/// object or array ends when the value that opened it returns from `encode(to:)`, or when
/// an enclosing container is used again (nested containers used in stack order).
public enum ReportJSONEncoder {
    public static func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        let writer = JSONByteWriter()
        try writer.value(value, indent: 0)
        return Array(writer.out.bytes)
    }

    /// The text with a final newline, straight from the writer's buffer.
    static func text<T: Encodable>(_ value: T) throws -> String {
        let writer = JSONByteWriter()
        try writer.value(value, indent: 0)
        writer.out.append(UInt8(ascii: "\n"))
        return String(decoding: writer.out.bytes, as: UTF8.self)
    }

    /// `value` written as a member of a top-level object is (its closing bracket at level 1):
    /// what `write(_:parts:apart:emit:)` splices in.
    static func member<T: Encodable>(_ value: T) throws -> JSONText {
        let writer = JSONByteWriter()
        try writer.value(value, indent: 1)
        return writer.takeOutput()
    }

    /// The text of `text(value)` handed to `emit` in pieces, in document order, once every
    /// piece is written (an error throws before the first). The top-level members named in
    /// `parts` are taken from there (each the `member(_:)` of what `value` holds under that
    /// key); those named in `apart` (with their values) are written on a second thread while
    /// this one writes the rest; each stands where its placeholder does. Why: the JSON is the
    /// last thing `loupe report` does (measured: 32 ms on the 2M-packet benchmark, the TLS
    /// and API-server sections half of it), and sections finished earlier can be written
    /// while the others are being built. The document is never put together in memory: a
    /// whole copy of it, and a `String` of that, were the last megabytes of `loupe report`'s
    /// peak memory on a large capture (measured on 6M packets: the JSON is 4.4 MB).
    static func write<T: Encodable>(
        _ value: T, parts: [String: JSONText],
        apart: [(key: String, value: any Encodable & Sendable)],
        emit: (UnsafeBufferPointer<UInt8>) throws -> Void
    ) throws {
        let done = RenderedParts()
        let group = DispatchGroup()
        if !apart.isEmpty {
            DispatchQueue.global().async(group: group) {
                do {
                    for part in apart { done.texts[part.key] = try member(part.value) }
                } catch {
                    done.error = error
                }
            }
        }
        let keys = Set(parts.keys).union(apart.map(\.key))
        let writer = JSONByteWriter(apart: keys)
        try writer.value(value, indent: 0)
        writer.out.append(UInt8(ascii: "\n"))
        group.wait()
        if let error = done.error { throw error }
        // Each member written apart holds one NUL byte (which JSON text never holds raw: the
        // writer escapes control bytes in strings); the top-level object's members come in
        // key order.
        let bytes = writer.out.bytes
        let ordered = keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        guard bytes.count(where: { $0 == 0 }) == ordered.count else {  // a key not there
            var whole = try Self.text(value)
            try whole.withUTF8 { try emit($0) }
            return
        }
        var from = 0, next = 0
        for i in bytes.indices where bytes[i] == 0 {
            try emit(UnsafeBufferPointer(rebasing: bytes[from..<i]))
            let key = ordered[next]
            if let part = parts[key] ?? done.texts[key] { try emit(part.bytes) }
            next += 1
            from = i + 1
        }
        try emit(UnsafeBufferPointer(rebasing: bytes[from...]))
    }

    /// What the second thread of `write(_:parts:apart:emit:)` wrote; read after it ended.
    private final class RenderedParts: @unchecked Sendable {
        var texts: [String: JSONText] = [:]
        var error: (any Error)?
    }
}
