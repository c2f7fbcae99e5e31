import Dissectors
import Testing

struct DNSTests {
    static func header(id: UInt16 = 0x1234, flags: UInt16 = 0x0100, qd: UInt16 = 1, an: UInt16 = 0, ar: UInt16 = 0) -> [UInt8] {
        [
            UInt8(id >> 8), UInt8(id & 0xFF), UInt8(flags >> 8), UInt8(flags & 0xFF), 0, UInt8(qd), 0, UInt8(an), 0, 0, 0,
            UInt8(ar),
        ]
    }
    static func name(_ labels: [[UInt8]]) -> [UInt8] { labels.flatMap { [UInt8($0.count)] + $0 } + [0] }
    static let question = name([Array("kubernetes".utf8), Array("default".utf8), Array("svc".utf8)]) + [0, 1, 0, 1]

    func message(_ bytes: [UInt8]) throws -> DNS.Message {
        try bytes.withUnsafeBytes { raw in try DNS.Message(try DNS.View(validating: ByteSlice(raw))) }
    }

    func readName(_ bytes: [UInt8], at offset: Int) throws -> String {
        try bytes.withUnsafeBytes { raw in try DNS.readName(ByteSlice(raw), at: offset).name }
    }

    @Test func queryAndCompressedAnswer() throws {
        // Answer: pointer to the question name (offset 12), A IN, TTL 30, 10.96.0.1.
        let answer: [UInt8] = [0xC0, 12, 0, 1, 0, 1, 0, 0, 0, 30, 0, 4, 10, 96, 0, 1]
        let m = try message(Self.header(flags: 0x8180, an: 1) + Self.question + answer)
        #expect(m.id == 0x1234 && m.isResponse && m.rcode == 0 && m.answers == 1)
        #expect(m.questionName == "kubernetes.default.svc" && m.questionType == 1)
    }

    /// EDNS0: the OPT TTL's top byte extends the rcode (RFC 6891 6.1.3): 0x01 << 4 | 7 = 23.
    @Test func extendedRcode() throws {
        let opt: [UInt8] = [0, 0, 41, 0x10, 0x00, 0x01, 0, 0, 0, 0, 0, 0]
        let m = try message(Self.header(flags: 0x8187, ar: 1) + Self.question + opt)
        #expect(m.rcode == 23 && DNS.rcodeName(m.rcode) == "BADCOOKIE" && m.hasOPT)
    }

    /// Dots and backslashes inside labels, control and non-ASCII bytes: RFC 1035 escapes.
    @Test func hostileLabelsAreEscaped() throws {
        let bytes = Self.name([Array("a.b".utf8), [UInt8(ascii: "\\")], [0, 0x1F, 0x7F, 0xFF], Array("<script>".utf8)])
        #expect(try readName(bytes, at: 0) == #"a\.b.\\.\000\031\127\255.<script>"#)
        #expect(try readName([0], at: 0) == ".")
    }

    /// A pointer to itself or forward is how loops are built: rejected, never followed.
    /// Random labels (mostly printable, some with escapes), plain and behind a compression
    /// pointer, read as a byte-by-byte rendering of RFC 1035's rules writes them: labels are
    /// copied whole when nothing in them needs an escape.
    @Test func randomLabelsMatchByteByByteEscaping() throws {
        func escaped(_ label: [UInt8]) -> String {
            label.map { b -> String in
                switch b {
                case UInt8(ascii: "."), UInt8(ascii: "\\"): return "\\" + String(UnicodeScalar(b))
                case 0x21...0x7E: return String(UnicodeScalar(b))
                default: return "\\" + String(repeating: "0", count: 3 - String(b).count) + String(b)
                }
            }.joined()
        }
        var g = SystemRandomNumberGenerator()
        for _ in 0..<500 {
            let labels = (0..<Int.random(in: 1...5, using: &g)).map { _ in
                (0..<Int.random(in: 1...20, using: &g)).map { _ in
                    Int.random(in: 0..<10, using: &g) == 0
                        ? UInt8.random(in: 0...255, using: &g)
                        : UInt8.random(in: 0x21...0x7E, using: &g)
                }
            }
            let expected = labels.map(escaped).joined(separator: ".")
            let bytes = Self.name(labels)
            #expect(try readName(bytes, at: 0) == expected)
            // The last two labels reached through a pointer to them.
            let tail = labels.count >= 2 ? labels.count - 2 : 0
            let head = Self.name(Array(labels[..<tail])).dropLast()
            let pointerAt = labels[..<tail].reduce(0) { $0 + $1.count + 1 }
            let viaPointer = bytes + head + [0xC0, UInt8(pointerAt)]
            if pointerAt < 0x40 {
                #expect(try readName(viaPointer, at: bytes.count) == expected)
            }
        }
    }

    @Test func pointerLoopsAreErrors() {
        let selfLoop = Self.header() + [0xC0, 12, 0, 1, 0, 1]
        #expect(throws: DecodeError.self) { try message(selfLoop) }
        let forward = Self.header() + [0xC0, 14, 0xC0, 12, 0, 1, 0, 1]
        #expect(throws: DecodeError.self) { try message(forward) }
    }

    /// A chain of backward pointers longer than the hop limit stops at the limit.
    @Test func pointerChainIsBounded() throws {
        var bytes = Self.header() + [0]  // a root name at offset 12
        // Entry i sits at 13 + 2i and points at the previous entry (entry 0 at the root).
        for i in 0..<40 { bytes += [0xC0, UInt8(i == 0 ? 12 : 11 + 2 * i)] }
        let start = bytes.count - 2
        #expect(throws: DecodeError.self) { _ = try readName(bytes, at: start) }
        #expect(try readName(bytes, at: 13 + 2 * 20) == ".", "within the limit it resolves")
    }

    /// Past 255 bytes on the wire a name is an error, however it is built.
    @Test func overlongNameIsAnError() {
        let long = Self.name(Array(repeating: Array(repeating: UInt8(ascii: "x"), count: 63), count: 5))
        #expect(throws: DecodeError.self) { _ = try readName(long, at: 0) }
        let fits = Self.name(Array(repeating: Array(repeating: UInt8(ascii: "x"), count: 63), count: 3))
        #expect((try? readName(fits, at: 0))?.count == 63 * 3 + 2)
    }

    /// Every prefix of a valid response throws a DecodeError or parses; none traps.
    @Test func truncatedAtEveryLength() throws {
        let answer: [UInt8] = [0xC0, 12, 0, 1, 0, 1, 0, 0, 0, 30, 0, 4, 10, 96, 0, 1]
        let full = Self.header(flags: 0x8180, an: 1) + Self.question + answer
        #expect((try? message(full)) != nil)
        for n in 0..<full.count {
            #expect((try? message(Array(full.prefix(n)))) == nil, "prefix \(n) must not parse")
        }
    }

    /// RDLENGTH running past the message is an error at its offset.
    @Test func recordLengthPastTheMessage() {
        let answer: [UInt8] = [0xC0, 12, 0, 1, 0, 1, 0, 0, 0, 30, 0x01, 0x36, 10, 96, 0, 1]
        let bytes = Self.header(flags: 0x8180, an: 1) + Self.question + answer
        do {
            _ = try message(bytes)
            Issue.record("must throw")
        } catch let error as DecodeError {
            #expect(error.code == .badLength && error.offset == 12 + Self.question.count + 10)
        } catch {
            Issue.record("unexpected \(error)")
        }
    }
}
