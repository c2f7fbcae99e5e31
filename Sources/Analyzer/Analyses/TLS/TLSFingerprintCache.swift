import Dissectors

/// JA3, JA4 and JA3S of the sessions the report lists, worked out once per distinct set of
/// the hello fields they read. A cluster's clients are a few TLS libraries, so their hellos
/// repeat those fields (only randoms, session IDs and key shares differ), while each
/// fingerprint builds its decimal or hex text and hashes it: per listed session that was
/// 3.5% of the pass thread (measured: 1,000 rows on the standard workload).
struct TLSFingerprintCache {
    /// Everything JA3 and JA4 (over TCP) read of a ClientHello.
    struct ClientKey: Hashable {
        var legacyVersion: UInt16
        var cipherSuites: [UInt16]
        var extensions: [UInt16]
        var supportedGroups: [UInt16]
        var ecPointFormats: [UInt8]
        var supportedVersions: [UInt16]
        var signatureAlgorithms: [UInt16]
        var alpnEnds: [UInt8]
        var hasServerName: Bool

        init(_ h: TLS.ClientHello) {
            legacyVersion = h.legacyVersion
            cipherSuites = h.cipherSuites
            extensions = h.extensions
            supportedGroups = h.supportedGroups
            ecPointFormats = h.ecPointFormats
            supportedVersions = h.supportedVersions
            signatureAlgorithms = h.signatureAlgorithms
            alpnEnds = h.alpnEnds
            hasServerName = h.serverName != nil
        }
    }

    /// Everything JA3S reads of a ServerHello.
    struct ServerKey: Hashable {
        var legacyVersion: UInt16
        var cipherSuite: UInt16
        var extensions: [UInt16]
    }

    /// Distinct hellos kept; past it, fingerprints are worked out each time (same values).
    static let limit = 4_096
    private var clients: [ClientKey: (ja3: String, ja4: String)] = [:]
    private var servers: [ServerKey: String] = [:]

    /// JA3 and JA4 of `hello` (JA4 over TCP).
    mutating func client(_ hello: TLS.ClientHello) -> (ja3: String, ja4: String) {
        let key = ClientKey(hello)
        if let known = clients[key] { return known }
        let new = (JA3.fingerprint(hello), JA4.fingerprint(hello))
        if clients.count < Self.limit { clients[key] = new }
        return new
    }

    /// JA3S of `hello`.
    mutating func server(_ hello: TLS.ServerHello) -> String {
        let key = ServerKey(legacyVersion: hello.legacyVersion, cipherSuite: hello.cipherSuite, extensions: hello.extensions)
        if let known = servers[key] { return known }
        let new = JA3.serverFingerprint(hello)
        if servers.count < Self.limit { servers[key] = new }
        return new
    }
}
