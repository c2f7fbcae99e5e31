import Crypto
import Dissectors

/// JA3 and JA3S (Salesforce, github.com/salesforce/ja3): MD5 of the hello's fields in
/// decimal, comma-separated, each list "-"-joined in wire order.
/// JA3 = "legacy_version,ciphers,extensions,supported_groups,ec_point_formats" with GREASE
/// (RFC 8701) left out of every list; JA3S = "legacy_version,cipher,extensions", where the
/// reference implementation filters nothing.
enum JA3 {
    static func clientString(_ hello: TLS.ClientHello) -> String {
        func list(_ values: [UInt16]) -> String {
            values.lazy.filter { !JA4.isGREASE($0) }.map { String($0) }.joined(separator: "-")
        }
        return [
            String(hello.legacyVersion), list(hello.cipherSuites), list(hello.extensions),
            list(hello.supportedGroups), hello.ecPointFormats.map { String($0) }.joined(separator: "-"),
        ]
        .joined(separator: ",")
    }

    static func serverString(_ hello: TLS.ServerHello) -> String {
        [String(hello.legacyVersion), String(hello.cipherSuite), hello.extensions.map { String($0) }.joined(separator: "-")]
            .joined(separator: ",")
    }

    static func fingerprint(_ hello: TLS.ClientHello) -> String { md5(clientString(hello)) }
    static func serverFingerprint(_ hello: TLS.ServerHello) -> String { md5(serverString(hello)) }

    static func md5(_ text: String) -> String {
        Insecure.MD5.hash(data: Array(text.utf8)).map(JA4.hex8).joined()
    }
}
