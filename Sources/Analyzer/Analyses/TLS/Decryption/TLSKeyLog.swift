/// TLS secrets by ClientHello random, from NSS key log text (what SSLKEYLOGFILE writes, what
/// `--tls-keylog` and pcapng Decryption Secrets Blocks of type TLSK hold): one
/// `LABEL <client random, hex> <secret, hex>` per line, `#` comments.
///
/// Bound: `maximumConnections` client randoms (a key log grows with its connections: 100,000
/// take about 30 MB); later lines and malformed ones are counted, never guessed at.
public struct TLSKeyLog: Sendable {
    public struct Secrets: Sendable {
        /// TLS 1.2 and earlier: CLIENT_RANDOM's master secret (48 bytes).
        var master: [UInt8]?
        /// TLS 1.3 (RFC 8446 7.1), by label.
        var clientHandshake: [UInt8]?
        /// TLS 1.3 0-RTT: the client's early traffic secret.
        var clientEarly: [UInt8]?
        var serverHandshake: [UInt8]?
        var clientTraffic: [UInt8]?
        var serverTraffic: [UInt8]?
    }

    public static let maximumConnections = 100_000
    private(set) var secrets: [[UInt8]: Secrets] = [:]
    /// Lines that were not a known label with a 32-byte random and a secret.
    public private(set) var malformedLines = 0
    /// Lines past `maximumConnections`.
    public private(set) var droppedLines = 0

    public init() {}

    public var isEmpty: Bool { secrets.isEmpty }
    public var connections: Int { secrets.count }

    func secrets(forClientRandom random: [UInt8]) -> Secrets? { secrets[random] }

    /// Adds the lines of a key log's text.
    public mutating func add(text: String) {
        for line in text.split(whereSeparator: \.isNewline) {  // CR LF is one Character
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            if fields.isEmpty || fields[0].hasPrefix("#") { continue }
            guard fields.count == 3, let random = Self.hex(fields[1]), random.count == 32,
                let secret = Self.hex(fields[2]), !secret.isEmpty, secret.count <= 64
            else {
                malformedLines += 1
                continue
            }
            guard secrets[random] != nil || secrets.count < Self.maximumConnections else {
                droppedLines += 1
                continue
            }
            var s = secrets[random] ?? Secrets()
            switch fields[0] {
            case "CLIENT_RANDOM": s.master = secret
            case "CLIENT_HANDSHAKE_TRAFFIC_SECRET": s.clientHandshake = secret
            case "SERVER_HANDSHAKE_TRAFFIC_SECRET": s.serverHandshake = secret
            case "CLIENT_TRAFFIC_SECRET_0": s.clientTraffic = secret
            case "SERVER_TRAFFIC_SECRET_0": s.serverTraffic = secret
            case "CLIENT_EARLY_TRAFFIC_SECRET": s.clientEarly = secret
            case "EXPORTER_SECRET", "EARLY_EXPORTER_SECRET": break  // not used
            default:
                malformedLines += 1
                continue
            }
            secrets[random] = s
        }
    }

    public mutating func add(bytes: [UInt8]) { add(text: String(decoding: bytes, as: UTF8.self)) }

    static func hex(_ s: Substring) -> [UInt8]? {
        guard s.utf8.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(s.utf8.count / 2)
        var high: UInt8?
        for c in s.utf8 {
            let v: UInt8
            switch c {
            case 0x30...0x39: v = c - 0x30
            case 0x61...0x66: v = c - 0x61 + 10
            case 0x41...0x46: v = c - 0x41 + 10
            default: return nil
            }
            if let h = high { out.append(h << 4 | v); high = nil } else { high = v }
        }
        return out
    }
}
