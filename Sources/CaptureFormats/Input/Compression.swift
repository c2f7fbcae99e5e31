/// How a capture file is compressed, recognized by its first bytes (never its name).
public enum Compression: String, Sendable, Codable, CaseIterable {
    case none, gzip, zstd

    /// gzip members start 1f 8b; zstd frames start 28 b5 2f fd (RFC 1952, RFC 8878).
    static func sniff(_ prefix: [UInt8]) -> Compression {
        if prefix.count >= 2, prefix[0] == 0x1f, prefix[1] == 0x8b { return .gzip }
        if prefix.count >= 4, prefix[0] == 0x28, prefix[1] == 0xb5, prefix[2] == 0x2f, prefix[3] == 0xfd {
            return .zstd
        }
        return .none
    }
}
