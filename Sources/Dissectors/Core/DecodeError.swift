/// Why a layer could not be decoded, and where.
///
/// Trivially copyable (no strings) so that typed throws stay as cheap as a return and a
/// flood of malformed packets costs no allocation; `description` builds the words.
public struct DecodeError: Error, Hashable, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable {
        private enum Kind: UInt8 { case truncated, badLength, badValue, limit }
        private let kind: Kind
        public static let truncated = Code(kind: .truncated)
        public static let badLength = Code(kind: .badLength)
        public static let badValue = Code(kind: .badValue)
        public static let limit = Code(kind: .limit)
        public var name: String {
            switch kind {
            case .truncated: "truncated"
            case .badLength: "bad length"
            case .badValue: "bad value"
            case .limit: "limit exceeded"
            }
        }
    }

    public var code: Code
    public var layer: LayerID
    /// Offset from the start of the frame, like tshark's byte view.
    public var offset: Int
    /// The offending value (a length, a field) and the bound it broke.
    public var value: Int
    public var limit: Int

    public init(_ code: Code, _ layer: LayerID, at offset: Int, value: Int = 0, limit: Int = 0) {
        self.code = code
        self.layer = layer
        self.offset = offset
        self.value = value
        self.limit = limit
    }

    public var description: String { description(offsetLabel: "offset") }

    /// The description with the offset named for what it counts in ("frame byte" where it
    /// is the frame's, "message byte" where a reassembled message's).
    public func description(offsetLabel: String) -> String {
        let at = "(\(offsetLabel) \(offset))"
        return switch code {
        case .truncated: "\(layer.name): needs \(value) bytes, \(limit) captured \(at)"
        case .badLength: "\(layer.name): length \(value) invalid, bound \(limit) \(at)"
        case .limit: "\(layer.name): \(value) exceeds the limit of \(limit) \(at)"
        default: "\(layer.name): bad value \(value) \(at)"
        }
    }
}
