import Dissectors
import Testing

/// ClientHello decoding on hand-built messages: every field, hostile names, and every
/// truncation or lying length ending in a DecodeError rather than a trap.
struct TLSClientHelloTests {
    static func u16(_ v: Int) -> [UInt8] { [UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
    static func ext(_ type: Int, _ data: [UInt8]) -> [UInt8] { u16(type) + u16(data.count) + data }

    static func body(sni: [UInt8]) -> [UInt8] {
        let serverName = u16(sni.count + 3) + [0] + u16(sni.count) + sni
        let alpn: [UInt8] = u16(12) + [2] + Array("h2".utf8) + [8] + Array("http/1.1".utf8)
        let extensions =
            ext(0x0A0A, []) + ext(0, serverName) + ext(10, u16(4) + [0, 0x1D, 0, 0x17])
            + ext(13, u16(4) + [4, 3, 8, 4]) + ext(16, alpn) + ext(43, [4, 3, 4, 3, 3])
        return u16(0x0303) + Array(repeating: 7, count: 32) + [32] + Array(repeating: 1, count: 32)
            + u16(6) + [0x13, 1, 0x13, 2, 0xC0, 0x2F] + [1, 0] + u16(extensions.count) + extensions
    }

    func decode(_ body: [UInt8]) throws -> TLS.ClientHello {
        try body.withUnsafeBytes { raw in try TLS.ClientHello(ByteSlice(raw)) }
    }

    @Test func everyField() throws {
        let c = try decode(Self.body(sni: Array("api.kube-system.svc".utf8)))
        #expect(c.legacyVersion == 0x0303 && c.sessionIDLength == 32 && c.compressionMethods == 1)
        #expect(c.cipherSuites == [0x1301, 0x1302, 0xC02F])
        #expect(c.extensions == [0x0A0A, 0, 10, 13, 16, 43], "GREASE kept, in wire order")
        #expect(c.serverName == "api.kube-system.svc" && c.alpn == ["h2", "http/1.1"])
        #expect(c.alpnEnds == [UInt8(ascii: "h"), UInt8(ascii: "2")], "the first value's raw ends")
        #expect(c.supportedGroups == [0x1D, 0x17] && c.signatureAlgorithms == [0x0403, 0x0804])
        #expect(c.supportedVersions == [0x0304, 0x0303])
    }

    @Test func hostileServerNameIsEscaped() throws {
        let c = try decode(Self.body(sni: [UInt8(ascii: "a"), 0, 0x1B, UInt8(ascii: "\\"), 0xFF] + Array("<b>".utf8)))
        #expect(c.serverName == #"a\000\027\\\255<b>"#)
    }

    @Test func everyTruncationThrows() throws {
        let full = Self.body(sni: Array("x".utf8))
        #expect((try? decode(full)) != nil)
        // Cut inside the fixed part or inside the extensions: never a trap; the few cuts that
        // land exactly before the extensions block parse as a hello without extensions.
        var parsed = 0
        for n in 0..<full.count where (try? decode(Array(full.prefix(n)))) != nil { parsed += 1 }
        #expect(parsed == 1)
    }

    @Test func lyingLengthsAreErrorsAtTheirOffset() throws {
        var bytes = Self.body(sni: Array("x".utf8))
        bytes[2 + 32 + 1 + 32] = 0xFF  // cipher_suites length: 0xFF06
        do {
            _ = try decode(bytes)
            Issue.record("must throw")
        } catch let error as DecodeError {
            #expect(error.code == .badLength && error.offset == 2 + 32 + 1 + 32)
        }
        var odd = Self.body(sni: Array("x".utf8))
        odd[2 + 32 + 1 + 32 + 1] = 5  // cipher suites of 5 bytes: not a list of u16
        #expect(throws: DecodeError.self) { _ = try decode(odd) }
    }

    @Test func recordHeaderBounds() throws {
        let ok: [UInt8] = [22, 3, 1, 0x02, 0x00]
        let h = try ok.withUnsafeBytes { try TLS.RecordHeader(validating: ByteSlice($0)) }
        #expect(h.contentType == 22 && h.version == 0x0301 && h.length == 512)
        for bad in [[UInt8]([19, 3, 1, 0, 5]), [22, 3, 1, 0x48, 0x01], [22, 3]] {
            #expect(throws: DecodeError.self) { _ = try bad.withUnsafeBytes { try TLS.RecordHeader(validating: ByteSlice($0)) } }
        }
    }

    /// A TLS 1.3 ServerHello (supported_versions selects 1.3), and the same with the
    /// HelloRetryRequest random; every prefix throws or parses, none traps.
    @Test func serverHelloAndRetryRequest() throws {
        let hrr: [UInt8] = [
            0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
            0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C,
        ]
        func hello(random: [UInt8]) -> [UInt8] {
            let extensions = Self.ext(43, [3, 4]) + Self.ext(16, Self.u16(3) + [2] + Array("h2".utf8))
            return Self.u16(0x0303) + random + [0] + [0x13, 1] + [0] + Self.u16(extensions.count) + extensions
        }
        func decode(_ b: [UInt8]) throws -> TLS.ServerHello { try b.withUnsafeBytes { try TLS.ServerHello(ByteSlice($0)) } }
        let s = try decode(hello(random: Array(repeating: 9, count: 32)))
        #expect(s.cipherSuite == 0x1301 && s.version == 0x0304 && s.legacyVersion == 0x0303)
        #expect(s.extensions == [43, 16] && s.alpn == "h2" && !s.isHelloRetryRequest)
        #expect(try decode(hello(random: hrr)).isHelloRetryRequest)
        let full = hello(random: hrr)
        for n in 0..<full.count { _ = try? decode(Array(full.prefix(n))) }
    }
}
