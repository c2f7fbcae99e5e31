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
    static func write<T: Encodable>(_ value: T, parts: [String: JSONText],
                                    apart: [(key: String, value: any Encodable & Sendable)],
                                    emit: (UnsafeBufferPointer<UInt8>) throws -> Void) throws {
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
            try emit(UnsafeBufferPointer(rebasing: bytes[from ..< i]))
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

/// The writer behind `ReportJSONEncoder`, and the `Encoder` that values encode themselves into.
final class JSONByteWriter: Encoder {
    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    /// The writer's state sits behind a pointer: a class's stored properties are checked for
    /// exclusive access at run time on every use, which was a third of this writer's time.
    private let state: UnsafeMutablePointer<State>

    private struct State {
        var out = JSONByteBuffer(capacity: 1 << 16)
        var frames: [Frame] = []
        var entries: [Entry] = []
        /// Reused when an object's members are put in key order.
        var scratch = JSONByteBuffer(capacity: 1 << 12)
        var order: [Int] = []
        /// The indentation a container opened by the value being encoded gets.
        var pendingIndent = 0
        /// Set when the value being encoded wrote anything (a value that writes nothing is `{}`).
        var wrote = false
    }

    var out: JSONByteBuffer {
        get { state.pointee.out }
        _modify { yield &state.pointee.out }
    }
    private var frames: [Frame] {
        get { state.pointee.frames }
        _modify { yield &state.pointee.frames }
    }
    private var entries: [Entry] {
        get { state.pointee.entries }
        _modify { yield &state.pointee.entries }
    }
    private var pendingIndent: Int {
        get { state.pointee.pendingIndent }
        set { state.pointee.pendingIndent = newValue }
    }
    private var wrote: Bool {
        get { state.pointee.wrote }
        set { state.pointee.wrote = newValue }
    }

    /// An open object or array.
    private struct Frame {
        var isObject: Bool
        /// The indentation level of the line that holds the closing bracket.
        var indent: Int
        var members = 0
        /// Where this object's first member starts in `out` (after "{\n"), and its first
        /// entry in `entries`; whether the keys so far came in ascending order.
        var bodyStart = 0
        var firstEntry = 0
        var sorted = true
    }

    /// A member of an open object: its key and where its text starts in `out` (the
    /// indentation; the text runs to the ",\n" before the next member, or the frame's end).
    private struct Entry {
        var key: String
        /// The key's first 8 bytes, big-endian, zero-padded: orders most keys without
        /// comparing strings.
        var prefix: UInt64
        var start: Int
    }

    private static func prefix(_ key: String) -> UInt64 {
        var key = key
        return key.withUTF8 { bytes in
            var p: UInt64 = 0
            for i in 0 ..< min(8, bytes.count) { p |= UInt64(bytes[i]) << UInt64(56 - 8 * i) }
            return p
        }
    }

    /// UTF-8 byte order, as Foundation sorts keys.
    private static func precedes(_ a: Entry, _ b: Entry) -> Bool {
        a.prefix != b.prefix ? a.prefix < b.prefix : a.key.utf8.lexicographicallyPrecedes(b.key.utf8)
    }

    /// Top-level members whose value another writer writes (`ReportJSONEncoder.write`):
    /// each is a NUL byte here, replaced by that text.
    let apart: Set<String>

    init(apart: Set<String> = []) {
        self.apart = apart
        state = .allocate(capacity: 1)
        state.initialize(to: State())
    }

    /// Writes the placeholder of a member written apart.
    func placeholder() {
        wrote = true
        out.append(0)
    }

    /// The bytes written so far, taken without a copy; the writer starts an empty output.
    func takeOutput() -> JSONText {
        let text = JSONText(taking: state.pointee.out)
        state.pointee.out = JSONByteBuffer(capacity: 16)
        return text
    }

    deinit {
        state.pointee.out.free()
        state.pointee.scratch.free()
        state.deinitialize(count: 1)
        state.deallocate()
    }

    // MARK: - Values

    /// Writes any value at the current position; `indent` is its closing bracket's level.
    func value<T: Encodable>(_ v: T, indent: Int) throws {
        // The primitive kinds by metatype (a pointer compare), then Foundation's one special
        // type the reports use; everything else encodes itself into this encoder.
        if T.self == String.self { return string(Self.load(v, as: String.self)) }
        if T.self == Double.self { return floatingPoint(Self.load(v, as: Double.self)) }
        if T.self == Int.self { return integer(Self.load(v, as: Int.self)) }
        if T.self == Bool.self { return bool(Self.load(v, as: Bool.self)) }
        if T.self == Decimal.self { return ascii(Self.load(v, as: Decimal.self).description) }
        let mark = frames.count
        let outerIndent = pendingIndent
        pendingIndent = indent
        wrote = false
        try v.encode(to: self)
        close(downTo: mark)
        if !wrote {
            open(isObject: true)
            close(downTo: mark)
        }
        pendingIndent = outerIndent
        wrote = true
    }

    /// `v` as `U`, which the caller has checked `T` is (a dynamic cast costs far more).
    @inline(__always)
    private static func load<T, U>(_ v: T, as: U.Type) -> U {
        withUnsafePointer(to: v) { UnsafeRawPointer($0).assumingMemoryBound(to: U.self).pointee }
    }

    func string(_ s: String) {
        wrote = true
        out.append(UInt8(ascii: "\""))
        var s = s
        s.withUTF8 { bytes in
            var mark = 0
            for i in bytes.indices {
                let b = bytes[i]
                guard b < 0x20 || b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") else { continue }
                if i > mark { out.append(UnsafeBufferPointer(rebasing: bytes[mark ..< i])) }
                out.append(UInt8(ascii: "\\"))
                switch b {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"): out.append(b)
                case 0x08: out.append(UInt8(ascii: "b"))
                case 0x0C: out.append(UInt8(ascii: "f"))
                case 0x0A: out.append(UInt8(ascii: "n"))
                case 0x0D: out.append(UInt8(ascii: "r"))
                case 0x09: out.append(UInt8(ascii: "t"))
                default:
                    out.append("u00")
                    out.append(Self.hex(b >> 4), Self.hex(b & 15))
                }
                mark = i + 1
            }
            if bytes.count > mark { out.append(UnsafeBufferPointer(rebasing: bytes[mark...])) }
        }
        out.append(UInt8(ascii: "\""))
    }

    private static func hex(_ digit: UInt8) -> UInt8 { digit < 10 ? 0x30 + digit : 0x61 + digit - 10 }

    /// Foundation's rule: the shortest round-trip text (`description`) without a trailing
    /// ".0"; infinities and NaN as strings.
    func floatingPoint<F: BinaryFloatingPoint & CustomStringConvertible>(_ f: F) {
        guard f.isFinite else { return string(f.isNaN ? "nan" : f < 0 ? "-inf" : "inf") }
        var text = f.description
        if text.hasSuffix(".0") { text.removeLast(2) }
        ascii(text)
    }

    func bool(_ b: Bool) { raw(b ? "true" : "false") }

    /// Decimal digits without a `String` (the common case: counts and bytes).
    func integer<I: FixedWidthInteger>(_ v: I) {
        wrote = true
        if v == 0 { return out.append(UInt8(ascii: "0")) }
        if I.isSigned && v < 0 && v == I.min { return ascii(v.description) }  // no positive twin
        if v < 0 { out.append(UInt8(ascii: "-")) }
        var m = v.magnitude
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 40) { digits in
            var n = 0
            while m > 0 {
                digits[n] = UInt8(ascii: "0") + UInt8(truncatingIfNeeded: m % 10)
                m /= 10
                n += 1
            }
            while n > 0 {
                n -= 1
                out.append(digits[n])
            }
        }
    }

    private func ascii(_ text: String) {
        wrote = true
        var text = text
        text.withUTF8 { out.append($0) }
    }

    private func raw(_ text: StaticString) {
        wrote = true
        out.append(text)
    }

    func null() { raw("null") }

    // MARK: - Containers

    /// Opens an object or array for the value being encoded; returns its frame number.
    private func open(isObject: Bool) -> Int {
        wrote = true
        out.append(isObject ? UInt8(ascii: "{") : UInt8(ascii: "["), UInt8(ascii: "\n"))
        frames.append(Frame(isObject: isObject, indent: pendingIndent, bodyStart: out.count, firstEntry: entries.count))
        return frames.count - 1
    }

    /// Starts the next member of frame `f` (closing any containers opened inside it since),
    /// writing the separator, the indentation and, for an object, the key. Returns the
    /// indentation level of the member's own closing bracket.
    func member(_ f: Int, key: String?) -> Int {
        close(downTo: f + 1)
        if frames[f].members > 0 { out.append(UInt8(ascii: ","), UInt8(ascii: "\n")) }
        frames[f].members += 1
        let indent = frames[f].indent + 1
        if let key {
            let entry = Entry(key: key, prefix: Self.prefix(key), start: out.count)
            if frames[f].members > 1, frames[f].sorted, !Self.precedes(entries[entries.count - 1], entry) {
                frames[f].sorted = false
            }
            entries.append(entry)
            writeIndent(indent)
            string(key)
            out.append(" : ")
        } else {
            writeIndent(indent)
        }
        pendingIndent = indent
        return indent
    }

    private func writeIndent(_ level: Int) { out.append(repeating: UInt8(ascii: " "), count: 2 * level) }

    /// Closes every frame numbered `mark` and above, innermost first.
    func close(downTo mark: Int) {
        while frames.count > mark {
            let f = frames.removeLast()
            if f.isObject && !f.sorted { reorder(f) }
            entries.removeSubrange(f.firstEntry...)
            out.append(UInt8(ascii: "\n"))
            writeIndent(f.indent)
            out.append(f.isObject ? UInt8(ascii: "}") : UInt8(ascii: "]"))
        }
    }

    /// Rewrites an object's members in key order (UTF-8 bytes, as Foundation sorts); a key
    /// given twice keeps its last value, as Foundation's dictionary does.
    private func reorder(_ f: Frame) {
        let st = state
        let first = f.firstEntry, count = st.pointee.entries.count - first
        let bodyEnd = st.pointee.out.count
        st.pointee.scratch.removeAll()
        st.pointee.out.copy(f.bodyStart ..< bodyEnd, to: &st.pointee.scratch)
        st.pointee.out.truncate(to: f.bodyStart)
        st.pointee.order.removeAll(keepingCapacity: true)
        st.pointee.order.append(contentsOf: first ..< first + count)
        st.pointee.entries.withUnsafeBufferPointer { e in
            // Stable by position for equal keys, so the last of a repeated key is found last.
            st.pointee.order.sort { a, b in Self.precedes(e[a], e[b]) || (!Self.precedes(e[b], e[a]) && a < b) }
            st.pointee.order.withUnsafeBufferPointer { order in
                let body = st.pointee.scratch.bytes
                var written = false
                for n in order.indices {
                    let i = order[n]
                    if n + 1 < order.count && e[order[n + 1]].key == e[i].key { continue }
                    let end = i + 1 < first + count ? e[i + 1].start - 2 : bodyEnd
                    if written { st.pointee.out.append(UInt8(ascii: ","), UInt8(ascii: "\n")) }
                    written = true
                    st.pointee.out.append(UnsafeBufferPointer(rebasing: body[(e[i].start - f.bodyStart) ..< (end - f.bodyStart)]))
                }
            }
        }
    }

    // MARK: - Encoder

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        KeyedEncodingContainer(JSONObjectWriter<Key>(writer: self, frame: open(isObject: true)))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        JSONArrayWriter(writer: self, frame: open(isObject: false))
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        JSONSingleValueWriter(writer: self, indent: pendingIndent)
    }

    /// The frame opened for a nested container of frame `f`'s current member.
    func nested(isObject: Bool) -> Int { open(isObject: isObject) }
}
