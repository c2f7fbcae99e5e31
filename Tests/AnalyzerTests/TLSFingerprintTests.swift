@testable import Analyzer
import Dissectors
import Testing

/// JA4 and JA3 on a ClientHello rebuilt from a published fingerprint's raw form (a Chrome 143
/// hello: ja4_ro lists its ciphers, extensions and signature algorithms in wire order;
/// ja4 = t13d1516h2_8daaf6152771_d8a2da3f94cd), with and without GREASE values.
struct TLSFingerprintTests {
    static let ciphers: [UInt16] = [
        0x1301, 0x1302, 0x1303, 0xC02B, 0xC02F, 0xC02C, 0xC030, 0xCCA9, 0xCCA8, 0xC013,
        0xC014, 0x009C, 0x009D, 0x002F, 0x0035,
    ]
    static let extensions: [UInt16] = [
        0x002D, 0x0033, 0x0010, 0xFE0D, 0x0017, 0x44CD, 0x0000, 0x000B, 0x000A, 0x002B,
        0xFF01, 0x0023, 0x0012, 0x0005, 0x000D, 0x001B,
    ]
    /// X25519MLKEM768, x25519, secp256r1, secp384r1.
    static let groups: [UInt16] = [0x11EC, 0x001D, 0x0017, 0x0018]
    static let signatures: [UInt16] = [0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601]

    static func u16(_ v: Int) -> [UInt8] { [UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
    static func list(_ values: [UInt16]) -> [UInt8] { values.flatMap { u16(Int($0)) } }

    static func hello(grease: Bool, alpn: String = "h2", sni: Bool = true) throws -> TLS.ClientHello {
        var exts: [UInt8] = []
        func add(_ type: UInt16, _ data: [UInt8]) { exts += u16(Int(type)) + u16(data.count) + data }
        if grease { add(0x1A1A, []) }
        for e in extensions {
            switch e {
            case 0x0000 where sni:
                let name = Array("tls.browserleaks.com".utf8)
                add(e, u16(name.count + 3) + [0] + u16(name.count) + name)
            case 0x0000: continue
            case 0x0010: add(e, u16(alpn.utf8.count + 1) + [UInt8(alpn.utf8.count)] + Array(alpn.utf8))
            case 0x000A: add(e, u16(grease ? 10 : 8) + list((grease ? [0x2A2A] : []) + groups))
            case 0x000D: add(e, u16(signatures.count * 2) + list(signatures))
            case 0x000B: add(e, [1, 0])  // ec_point_formats: uncompressed
            case 0x0033: add(e, u16(36) + u16(0x001D) + u16(32) + Array(repeating: 7, count: 32))  // an x25519 share
            case 0x002B: add(e, [grease ? 6 : 4] + list((grease ? [0x3A3A] : []) + [0x0304, 0x0303]))
            default: add(e, [])
            }
        }
        let suites = (grease ? [0x4A4A] : []) + ciphers
        let body =
            u16(0x0303) + Array(repeating: 1, count: 32) + [0] + u16(suites.count * 2) + list(suites) + [1, 0]
            + u16(exts.count) + exts
        return try body.withUnsafeBytes { try TLS.ClientHello(ByteSlice($0)) }
    }

    @Test func publishedFingerprint() throws {
        #expect(JA4.fingerprint(try Self.hello(grease: false)) == "t13d1516h2_8daaf6152771_d8a2da3f94cd")
        #expect(
            JA4.fingerprint(try Self.hello(grease: true)) == "t13d1516h2_8daaf6152771_d8a2da3f94cd",
            "GREASE ciphers, extensions, groups and versions are ignored")
    }

    /// JA3 of the same published hello (browserleaks.com's record of it gives the string
    /// and the hash): GREASE left out of every list.
    @Test func publishedJA3() throws {
        let text =
            "771,4865-4866-4867-49195-49199-49196-49200-52393-52392-49171-49172-156-157-47-53,"
            + "45-51-16-65037-23-17613-0-11-10-43-65281-35-18-5-13-27,4588-29-23-24,0"
        for grease in [false, true] {
            let hello = try Self.hello(grease: grease)
            #expect(JA3.clientString(hello) == text)
            #expect(JA3.fingerprint(hello) == "98487aa16281980e7d1120d399efb6a4")
        }
    }

    /// JA3S as Salesforce's ja3s.py computes it for a TLS 1.3 ServerHello (legacy version,
    /// cipher, key_share and supported_versions; `../shared/corpus/fingerprints`).
    @Test func ja3sOfATLS13ServerHello() throws {
        let u16 = Self.u16
        let exts = u16(51) + u16(36) + u16(0x001D) + u16(32) + Array(repeating: 5, count: 32) + u16(43) + u16(2) + u16(0x0304)
        let body = u16(0x0303) + Array(repeating: 3, count: 32) + [0] + u16(0x1301) + [0] + u16(exts.count) + exts
        let hello = try body.withUnsafeBytes { try TLS.ServerHello(ByteSlice($0)) }
        #expect(JA3.serverString(hello) == "771,4865,51-43")
        #expect(JA3.serverFingerprint(hello) == "eb1d94daa7e0344597e756a1fb6e7054")
    }

    /// The a-part alone: no SNI ("i", one extension fewer), ALPN ends, QUIC.
    @Test func firstPart() throws {
        #expect(JA4.fingerprint(try Self.hello(grease: false, sni: false)).hasPrefix("t13i1515h2_8daaf6152771_"))
        #expect(JA4.fingerprint(try Self.hello(grease: false, alpn: "http/1.1")).hasPrefix("t13d1516h1_"))
        #expect(JA4.alpnCode([]) == "00" && JA4.alpnCode(Array("h2".utf8)) == "h2")
        #expect(
            JA4.alpnCode([UInt8(ascii: "a"), UInt8(ascii: "-")]) == "6d" && JA4.alpnCode([0xAB, 0x0C]) == "ac",
            "non-alphanumeric ends: hex digits of the raw bytes")
        #expect(JA4.fingerprint(try Self.hello(grease: false), quic: true).hasPrefix("q13d"))
        #expect(JA4.isGREASE(0x0A0A) && JA4.isGREASE(0xFAFA) && !JA4.isGREASE(0x0A1A) && !JA4.isGREASE(0x1301))
    }

    /// The cache gives what the fingerprints give, for hellos that share every field they
    /// read (GREASE or not: different wire values, one JA3 and JA4) and for hellos that
    /// differ in one of them (SNI, ALPN): never another hello's fingerprint.
    @Test func cacheGivesTheFingerprintsOfEachHello() throws {
        var cache = TLSFingerprintCache()
        let hellos = [
            try Self.hello(grease: false), try Self.hello(grease: true), try Self.hello(grease: false, sni: false),
            try Self.hello(grease: false, alpn: "http/1.1"), try Self.hello(grease: true, alpn: "h3"),
        ]
        for _ in 0..<2 {
            for h in hellos {
                let cached = cache.client(h)
                #expect(cached.ja3 == JA3.fingerprint(h) && cached.ja4 == JA4.fingerprint(h))
            }
        }
        #expect(Set(hellos.map { cache.client($0).ja4 }).count == 4)
    }
}
