/// Damage found inside a capture: everything read before `offset` still counts.
///
/// `offset` is a byte offset in the capture stream (after decompression for
/// compressed files; the message then also names the compressed offset).
public struct CaptureDamage: Error, Hashable, Sendable, CustomStringConvertible {
    public var offset: Int64
    public var message: String
    public init(offset: Int64, _ message: String) {
        self.offset = offset
        self.message = message
    }
    public var description: String { "at byte \(offset): \(message)" }
}

/// A capture that cannot be read at all (missing file, permissions, not a capture).
public struct CaptureOpenError: Error, Hashable, Sendable, CustomStringConvertible {
    public var path: String
    public var message: String
    public init(path: String, _ message: String) {
        self.path = path
        self.message = message
    }
    public var description: String { "\(path): \(message)" }
}
