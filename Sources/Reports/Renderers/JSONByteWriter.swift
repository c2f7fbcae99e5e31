import Foundation

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
            for i in 0..<min(8, bytes.count) { p |= UInt64(bytes[i]) << UInt64(56 - 8 * i) }
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
                if i > mark { out.append(UnsafeBufferPointer(rebasing: bytes[mark..<i])) }
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
        st.pointee.out.copy(f.bodyStart..<bodyEnd, to: &st.pointee.scratch)
        st.pointee.out.truncate(to: f.bodyStart)
        st.pointee.order.removeAll(keepingCapacity: true)
        st.pointee.order.append(contentsOf: first..<first + count)
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
                    st.pointee.out.append(UnsafeBufferPointer(rebasing: body[(e[i].start - f.bodyStart)..<(end - f.bodyStart)]))
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
