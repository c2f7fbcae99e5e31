@testable import Analyzer
import Dissectors
import Testing

/// The TLS record layer over reassembled chunks: records and handshake messages split
/// anywhere, several per chunk, gaps inside skipped records and elsewhere, resynchronisation,
/// and hostile lengths, each ending in an event or a reported error, never a trap.
struct TLSRecordStreamTests {
    static func u16(_ v: Int) -> [UInt8] { [UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
    static func record(_ type: UInt8, _ body: [UInt8]) -> [UInt8] { [type, 3, 3] + u16(body.count) + body }
    static func message(_ type: UInt8, _ body: [UInt8]) -> [UInt8] {
        [type, UInt8(body.count >> 16 & 0xFF)] + u16(body.count & 0xFFFF) + body
    }

    /// A ClientHello body with `extensions` empty extensions (types 1000...).
    static func clientHello(extensions: Int = 2, sni: String = "api.example") -> [UInt8] {
        let name = Array(sni.utf8)
        var exts = u16(0) + u16(name.count + 5) + u16(name.count + 3) + [0] + u16(name.count) + name
        for i in 0..<extensions { exts += u16(1000 + i % 60000) + u16(0) }
        return u16(0x0303) + Array(repeating: 9, count: 32) + [0] + u16(4) + [0x13, 0x01, 0xC0, 0x2F] + [1, 0]
            + u16(exts.count) + exts
    }

    enum Seen: Equatable { case handshake(UInt8, Int, Int), ccs, alert(UInt8, UInt8), encryptedAlert, data, sslv2, error(Int) }

    /// Feeds `chunks` (with a gap before each as given) and returns what came out.
    static func run(_ chunks: [([UInt8], UInt64)], ccsEncrypts: Bool = true) -> [Seen] {
        var stream = TLSRecordStream()
        var seen: [Seen] = []
        var offset: UInt64 = 0
        for (i, (bytes, gap)) in chunks.enumerated() {
            offset += gap
            bytes.withUnsafeBytes { raw in
                let chunk = ReassembledChunk(bytes: raw, streamOffset: offset, time: Int64(i), gapBefore: gap)
                stream.receive(chunk) { event, _ in
                    switch event {
                    case .handshake(let t, let body, let segments): seen.append(.handshake(t, body.count, segments))
                    case .changeCipherSpec: seen.append(.ccs)
                    case .alert(let a): seen.append(.alert(a.level, a.description))
                    case .encryptedAlert: seen.append(.encryptedAlert)
                    case .applicationData: seen.append(.data)
                    case .sslv2Hello: seen.append(.sslv2)
                    case .malformed(let e): seen.append(.error(e.offset))
                    case .plaintext, .undecryptable: Issue.record("no keys: nothing is decrypted")
                    }
                    return ccsEncrypts
                }
            }
            offset += UInt64(bytes.count)
        }
        return seen
    }

    /// A client flight: the ClientHello split over two handshake records, then CCS, then an
    /// encrypted Finished (handshake type after CCS: not decoded) and application data.
    static let hello = clientHello()
    static let flight: [UInt8] = {
        let m = message(1, hello)
        return record(22, Array(m.prefix(20))) + record(22, Array(m.dropFirst(20))) + record(20, [1])
            + record(22, Array(repeating: 0xEE, count: 40)) + record(23, Array(repeating: 0xAB, count: 300))
    }()
    static let expected: [Seen] = [.handshake(1, hello.count, 1), .ccs, .data]

    @Test func wholeFlightInOneChunk() {
        #expect(Self.run([(Self.flight, 0)]) == Self.expected)
    }

    @Test(arguments: Array(1..<120) + [200, 300, 399])
    func everyTwoWaySplit(at cut: Int) {
        let got = Self.run([(Array(Self.flight.prefix(cut)), 0), (Array(Self.flight.dropFirst(cut)), 0)])
        // The hello spans both chunks when the cut falls inside it.
        let helloEnd = 5 + 20 + 5 + (Self.hello.count + 4 - 20)
        let segments = cut < helloEnd ? 2 : 1
        #expect(got == [.handshake(1, Self.hello.count, segments), .ccs, .data], "cut at \(cut)")
    }

    @Test func byteAtATime() {
        let got = Self.run(Self.flight.map { ([$0], 0) })
        #expect(got.count == 3 && got[1] == .ccs && got[2] == .data)
        if case .handshake(1, let n, let segments) = got[0] {
            #expect(n == Self.hello.count && segments == 5 + 20 + 5 + Self.hello.count + 4 - 20)
        } else {
            Issue.record("no hello: \(got)")
        }
    }

    @Test func gapInsideSkippedRecordKeepsFraming() {
        let data = Self.record(23, Array(repeating: 1, count: 100)) + Self.record(21, [2, 40])
        // 10 bytes, then 50 missing (inside the first record's body), then the rest.
        let got = Self.run([(Array(data.prefix(10)), 0), (Array(data.dropFirst(60)), 50)])
        #expect(got == [.data, .alert(2, 40)], "the alert after the gap is still found")
    }

    @Test func gapElsewhereResynchronisesAtARecordStart() {
        let m = Self.message(1, Self.hello)
        let first = Self.record(22, m)
        let got = Self.run([
            (Array(first.prefix(30)), 0),
            (Array(first.dropFirst(40)), 10),  // lost framing: dropped
            (Array(repeating: 0x55, count: 7), 0),  // not a record start: dropped
            (Self.record(21, [1, 0]) + Self.record(23, [1, 2, 3]), 0),
        ])
        #expect(got == [.alert(1, 0), .data])
    }

    @Test func notTLSIsReportedWithItsOffsetThenResynchronises() {
        let good = Self.record(23, [1, 2, 3])
        let got = Self.run([(good + [0x47, 0x45, 0x54, 0x20, 0x2F, 0x20], 0), (Self.record(23, [4]), 0)])
        #expect(got == [.data, .error(good.count), .data])
    }

    @Test func recordLengthPastTheBound() {
        let good = Self.record(23, [1])
        let got = Self.run([(good + [23, 3, 3, 0xFF, 0xFF] + Array(repeating: 0, count: 20), 0)])
        #expect(got == [.data, .error(good.count + 3)], "the length field's offset")
        // Such a header never starts a stream (nothing to report: not TLS).
        #expect(Self.run([([23, 3, 3, 0xFF, 0xFF] + Array(repeating: 0, count: 20), 0)]) == [])
    }

    @Test func handshakeMessageLongerThanItsRecordWaitsThenIsBounded() {
        // A message declaring 2^24 - 1 bytes: kept up to the bound, then given up once.
        var chunks: [([UInt8], UInt64)] = [(Self.record(22, [1, 0xFF, 0xFF, 0xFF] + Array(repeating: 0, count: 16_000)), 0)]
        for _ in 0..<20 { chunks.append((Self.record(22, Array(repeating: 0, count: 16_000)), 0)) }
        chunks.append((Self.record(23, [1]), 0))
        let got = Self.run(chunks)
        #expect(got.filter { if case .error = $0 { true } else { false } }.count == 1)
        #expect(got.last == .data, "records still counted after the handshake is given up")
        #expect(!got.contains { if case .handshake = $0 { true } else { false } })
    }

    @Test func alertsAfterChangeCipherSpecAreEncrypted() {
        let flight = Self.record(21, [1, 0]) + Self.record(20, [1]) + Self.record(21, Array(repeating: 3, count: 26))
        #expect(Self.run([(flight, 0)]) == [.alert(1, 0), .ccs, .encryptedAlert])
        // TLS 1.3: the consumer says CCS does not start encryption; a later hello is read.
        let hrr = Self.record(20, [1]) + Self.record(22, Self.message(1, Self.hello))
        #expect(Self.run([(hrr, 0)], ccsEncrypts: false) == [.ccs, .handshake(1, Self.hello.count, 1)])
    }

    @Test func mostExtensionsAHelloCanCarry() throws {
        // The extensions block is 16-bit: 16 378 empty extensions after SNI fill it; the
        // message spans 4 records and several chunks.
        let body = Self.clientHello(extensions: 16_378)
        let m = Self.message(1, body)
        var bytes: [UInt8] = []
        var rest = m[...]
        while !rest.isEmpty {
            bytes += Self.record(22, Array(rest.prefix(16_384)))
            rest = rest.dropFirst(16_384)
        }
        var chunks: [([UInt8], UInt64)] = []
        var at = 0
        while at < bytes.count { chunks.append((Array(bytes[at..<min(at + 1448, bytes.count)]), 0)); at += 1448 }
        #expect(Self.run(chunks) == [.handshake(1, body.count, chunks.count)])
        let hello = try body.withUnsafeBytes { try TLS.ClientHello(ByteSlice($0)) }
        #expect(hello.extensions.count == 16_379 && hello.serverName == "api.example")
        #expect(JA4.fingerprint(hello).hasPrefix("t12d0299"), "counts cap at 99")
        // One byte more than the block holds: the extension list lies about its length.
        var lying = body
        let extensionsAt = 2 + 32 + 1 + 2 + 4 + 2
        lying[extensionsAt] = 0xFF
        lying[extensionsAt + 1] = 0xFF
        #expect(throws: DecodeError.self) { try lying.withUnsafeBytes { try TLS.ClientHello(ByteSlice($0)) } }
    }

    @Test func sslv2ClientHello() throws {
        // Length 0x8000 | 9 + 6 + 0 + 16; type 1; version 3.1; 2 cipher specs; 16-byte challenge.
        let hello: [UInt8] =
            [0x80, 31, 1, 3, 1, 0, 6, 0, 0, 0, 16, 0, 0, 0x04, 0x01, 0x00, 0x80]
            + Array(repeating: 0x42, count: 16)
        #expect(Self.run([(hello + Self.record(23, [1]), 0)]) == [.sslv2, .data])
        let parsed = try hello.withUnsafeBytes { try TLS.SSLv2ClientHello(ByteSlice($0)) }
        #expect(parsed.version == 0x0301 && parsed.cipherSpecs == [0x000004, 0x010080] && parsed.recordLength == 33)
        var lying = hello
        lying[6] = 7  // cipher specs length not a multiple of 3
        #expect(throws: DecodeError.self) { try lying.withUnsafeBytes { try TLS.SSLv2ClientHello(ByteSlice($0)) } }
        #expect(Self.run([(lying, 0)]).first == .error(5))
    }
}

extension TLSRecordStreamTests {
    /// `skipInsideRecord` (tried first, as the TLS session does) then `receive` gives the
    /// events, application-data record ends and stream state `receive` alone gives: a
    /// handshake, then large encrypted records and alerts, cut at random with some gaps.
    @Test(arguments: 0..<30)
    func skipInsideRecordThenReceiveEqualsReceive(seed: Int) {
        var rng = SplitMix(seed: UInt64(seed) &+ 77)
        var bytes = Self.record(22, Self.message(1, Self.clientHello(extensions: 20)))
        bytes += Self.record(20, [1])
        for i in 0..<12 {
            bytes += Self.record(23, Array(repeating: UInt8(i), count: 1 + Int(rng.next() % 16_000)))
            if i % 5 == 4 { bytes += Self.record(21, [2, 40]) }
        }
        var chunks: [(ArraySlice<UInt8>, UInt64)] = []
        var at = 0
        while at < bytes.count {
            let n = min(1 + Int(rng.next() % 1_500), bytes.count - at)
            let gap: UInt64 = at > 2_000 && rng.next() % 23 == 0 ? 1 + rng.next() % 40 : 0  // the handshake whole
            let skipped = min(Int(gap), bytes.count - at - n)
            chunks.append((bytes[(at + skipped)..<(at + skipped + n)], UInt64(skipped)))
            at += skipped + n
        }
        func feed(skipping: Bool) -> ([String], Int) {
            var stream = TLSRecordStream()
            var seen: [String] = []
            var skips = 0
            var offset: UInt64 = 0
            for (i, (piece, gap)) in chunks.enumerated() {
                offset += gap
                piece.withUnsafeBytes { raw in
                    let chunk = ReassembledChunk(bytes: raw, streamOffset: offset, time: Int64(i), gapBefore: gap)
                    if skipping && stream.skipInsideRecord(chunk) {
                        skips += 1
                        return
                    }
                    stream.receive(chunk) { event, time in
                        switch event {
                        case .handshake(let t, let body, let segments):
                            seen.append("handshake \(t) \(body.count) \(segments) \(time)")
                        case .changeCipherSpec: seen.append("ccs \(time)")
                        case .alert(let a): seen.append("alert \(a.level) \(a.description) \(time)")
                        case .encryptedAlert: seen.append("encrypted alert \(time)")
                        case .applicationData(let end): seen.append("data \(end) \(time)")
                        case .sslv2Hello: seen.append("sslv2")
                        case .malformed(let e): seen.append("error \(e.offset)")
                        case .plaintext, .undecryptable: seen.append("decrypted without keys")
                        }
                        return true
                    }
                }
                offset += UInt64(piece.count)
            }
            seen.append("resynchronizations \(stream.resynchronizations)")
            return (seen, skips)
        }
        let (reference, _) = feed(skipping: false)
        let (seen, skips) = feed(skipping: true)
        #expect(seen == reference)
        #expect(skips > 0 && reference.filter { $0.hasPrefix("data") }.count >= 6)
    }
}
