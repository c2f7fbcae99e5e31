/// The containers `JSONByteWriter` hands to `encode(to:)`: each names its frame and writes
/// through the writer. Primitive members go straight to the writer's formatters.
struct JSONObjectWriter<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let writer: JSONByteWriter
    let frame: Int
    var codingPath: [any CodingKey] { [] }

    private func member(_ key: Key) -> Int { writer.member(frame, key: key.stringValue) }

    mutating func encodeNil(forKey key: Key) throws { _ = member(key); writer.null() }
    mutating func encode(_ value: Bool, forKey key: Key) throws { _ = member(key); writer.bool(value) }
    mutating func encode(_ value: String, forKey key: Key) throws { _ = member(key); writer.string(value) }
    mutating func encode(_ value: Double, forKey key: Key) throws { _ = member(key); writer.floatingPoint(value) }
    mutating func encode(_ value: Float, forKey key: Key) throws { _ = member(key); writer.floatingPoint(value) }
    mutating func encode(_ value: Int, forKey key: Key) throws { _ = member(key); writer.integer(value) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { _ = member(key); writer.integer(value) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { _ = member(key); writer.integer(value) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { _ = member(key); writer.integer(value) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { _ = member(key); writer.integer(value) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { _ = member(key); writer.integer(value) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { _ = member(key); writer.integer(value) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { _ = member(key); writer.integer(value) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { _ = member(key); writer.integer(value) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { _ = member(key); writer.integer(value) }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        let indent = member(key)
        if frame == 0 && !writer.apart.isEmpty && writer.apart.contains(key.stringValue) { return writer.placeholder() }
        try writer.value(value, indent: indent)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy keyType: NestedKey.Type,
        forKey key: Key
    ) -> KeyedEncodingContainer<NestedKey> {
        _ = member(key)
        return KeyedEncodingContainer(JSONObjectWriter<NestedKey>(writer: writer, frame: writer.nested(isObject: true)))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        _ = member(key)
        return JSONArrayWriter(writer: writer, frame: writer.nested(isObject: false))
    }

    mutating func superEncoder() -> any Encoder { _ = writer.member(frame, key: "super"); return writer }
    mutating func superEncoder(forKey key: Key) -> any Encoder { _ = member(key); return writer }
}

struct JSONArrayWriter: UnkeyedEncodingContainer {
    let writer: JSONByteWriter
    let frame: Int
    private(set) var count = 0
    var codingPath: [any CodingKey] { [] }

    private mutating func element() -> Int {
        count += 1
        return writer.member(frame, key: nil)
    }

    mutating func encodeNil() throws { _ = element(); writer.null() }
    mutating func encode(_ value: String) throws { _ = element(); writer.string(value) }
    mutating func encode(_ value: Double) throws { _ = element(); writer.floatingPoint(value) }
    mutating func encode(_ value: Float) throws { _ = element(); writer.floatingPoint(value) }
    mutating func encode(_ value: Int) throws { _ = element(); writer.integer(value) }
    mutating func encode(_ value: Int64) throws { _ = element(); writer.integer(value) }
    mutating func encode(_ value: UInt64) throws { _ = element(); writer.integer(value) }
    mutating func encode<T: Encodable>(_ value: T) throws { try writer.value(value, indent: element()) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        _ = element()
        return KeyedEncodingContainer(JSONObjectWriter<NestedKey>(writer: writer, frame: writer.nested(isObject: true)))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        _ = element()
        return JSONArrayWriter(writer: writer, frame: writer.nested(isObject: false))
    }

    mutating func superEncoder() -> any Encoder { _ = element(); return writer }
}

struct JSONSingleValueWriter: SingleValueEncodingContainer {
    let writer: JSONByteWriter
    let indent: Int
    var codingPath: [any CodingKey] { [] }

    mutating func encodeNil() throws { writer.null() }
    mutating func encode(_ value: Bool) throws { writer.bool(value) }
    mutating func encode(_ value: String) throws { writer.string(value) }
    mutating func encode(_ value: Double) throws { writer.floatingPoint(value) }
    mutating func encode(_ value: Float) throws { writer.floatingPoint(value) }
    mutating func encode(_ value: Int) throws { writer.integer(value) }
    mutating func encode(_ value: Int8) throws { writer.integer(value) }
    mutating func encode(_ value: Int16) throws { writer.integer(value) }
    mutating func encode(_ value: Int32) throws { writer.integer(value) }
    mutating func encode(_ value: Int64) throws { writer.integer(value) }
    mutating func encode(_ value: UInt) throws { writer.integer(value) }
    mutating func encode(_ value: UInt8) throws { writer.integer(value) }
    mutating func encode(_ value: UInt16) throws { writer.integer(value) }
    mutating func encode(_ value: UInt32) throws { writer.integer(value) }
    mutating func encode(_ value: UInt64) throws { writer.integer(value) }
    mutating func encode<T: Encodable>(_ value: T) throws { try writer.value(value, indent: indent) }
}
