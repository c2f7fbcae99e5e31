/// An optional report field that is written as `null` when absent, never left out: the
/// JSON contract says which keys exist, whatever their values (JSONEncoder's synthesized
/// code would drop nil keys).
@propertyWrapper
public struct Null<Value: Codable & Sendable & Equatable>: Codable, Sendable, Equatable {
    public var wrappedValue: Value?
    public init(wrappedValue: Value?) { self.wrappedValue = wrappedValue }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        wrappedValue = c.decodeNil() ? nil : try c.decode(Value.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        if let v = wrappedValue { try c.encode(v) } else { try c.encodeNil() }
    }
}

extension KeyedDecodingContainer {
    /// A missing key decodes as nil rather than failing.
    public func decode<V>(_ type: Null<V>.Type, forKey key: Key) throws -> Null<V> {
        try decodeIfPresent(type, forKey: key) ?? Null(wrappedValue: nil)
    }
}
