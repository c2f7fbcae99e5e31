import Crypto
import Dissectors

/// JA4, FoxIO's TLS client fingerprint (github.com/FoxIO-LLC/ja4, technical_details/JA4.md):
/// `a_b_c` where a = transport, version, SNI, cipher and extension counts and ALPN ends;
/// b = SHA-256 of the sorted cipher list; c = SHA-256 of the sorted extensions (without SNI
/// and ALPN) then the signature algorithms in wire order; both hashes cut to 12 hex digits.
/// GREASE values (RFC 8701: 0x?A?A) are left out everywhere.
enum JA4 {
    static func isGREASE(_ v: UInt16) -> Bool { v & 0x0F0F == 0x0A0A && v >> 8 == v & 0xFF }

    static func fingerprint(_ hello: TLS.ClientHello, quic: Bool = false) -> String {
        let ciphers = hello.cipherSuites.filter { !isGREASE($0) }
        let extensions = hello.extensions.filter { !isGREASE($0) }
        let versions = hello.supportedVersions.filter { !isGREASE($0) }
        let version = versions.max() ?? hello.legacyVersion
        let a =
            (quic ? "q" : "t") + versionCode(version) + (hello.serverName != nil ? "d" : "i")
            + twoDigits(ciphers.count) + twoDigits(extensions.count) + alpnCode(hello.alpnEnds)
        let b = ciphers.isEmpty ? String(repeating: "0", count: 12) : hash(ciphers.sorted().map(hex).joined(separator: ","))
        let kept = extensions.filter { $0 != TLS.ClientHello.Extension.serverName && $0 != TLS.ClientHello.Extension.alpn }
        var c = kept.sorted().map(hex).joined(separator: ",")
        let signatures = hello.signatureAlgorithms.filter { !isGREASE($0) }
        if !signatures.isEmpty { c += "_" + signatures.map(hex).joined(separator: ",") }
        return a + "_" + b + "_" + (kept.isEmpty ? String(repeating: "0", count: 12) : hash(c))
    }

    static func versionCode(_ v: UInt16) -> String {
        switch v {
        case 0x0304: "13"
        case 0x0303: "12"
        case 0x0302: "11"
        case 0x0301: "10"
        case 0x0300: "s3"
        case 0x0002: "s2"
        case 0xFEFF: "d1"
        case 0xFEFD: "d2"
        case 0xFEFC: "d3"
        default: "00"
        }
    }

    static func twoDigits(_ n: Int) -> String { n >= 99 ? "99" : n < 10 ? "0\(n)" : "\(n)" }

    /// First and last character of the first ALPN value; "00" without one; when either is
    /// not alphanumeric ASCII, the first hex digit of the first byte and the last of the last.
    static func alpnCode(_ ends: [UInt8]) -> String {
        guard ends.count == 2 else { return "00" }
        func alphanumeric(_ b: UInt8) -> Bool {
            (0x30...0x39).contains(b) || (0x41...0x5A).contains(b) || (0x61...0x7A).contains(b)
        }
        if alphanumeric(ends[0]) && alphanumeric(ends[1]) {
            return String(Unicode.Scalar(ends[0])) + String(Unicode.Scalar(ends[1]))
        }
        return String(hex8(ends[0]).first!) + String(hex8(ends[1]).last!)
    }

    static func hex(_ v: UInt16) -> String {
        let s = String(v, radix: 16)
        return String(repeating: "0", count: 4 - s.count) + s
    }

    static func hex8(_ v: UInt8) -> String { v < 16 ? "0" + String(v, radix: 16) : String(v, radix: 16) }

    static func hash(_ text: String) -> String {
        SHA256.hash(data: Array(text.utf8)).prefix(6).map(hex8).joined()
    }
}
