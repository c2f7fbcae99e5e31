import Foundation
import Reports
import Testing
import _TestSupport

/// `ReportJSONEncoder` must write what Foundation's `JSONEncoder` writes with the report's
/// settings, byte for byte: the goldens, `loupe diff` and users' scripts depend on the form.
struct ReportJSONEncoderTests {
    static func foundation<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "inf",
            negativeInfinity: "-inf", nan: "nan")
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    static func ours<T: Encodable>(_ value: T) throws -> String {
        String(decoding: try ReportJSONEncoder.encode(value), as: UTF8.self)
    }

    struct Empty: Encodable {}

    struct Edges: Encodable {
        var zebra = 1
        var empty: [Int] = []
        var emptyObject: [String: Int] = [:]
        var nothing = Empty()
        var text = "x\u{0}\u{1}\u{8}\u{9}\u{A}\u{B}\u{C}\u{D}\u{1B}\u{1F}\u{7F}/\"\\ é 😀 \u{2028}"
        var doubles: [Double] = [
            1.0, 0.5, 1e-5, 1e20, 1e16, -0.0, .nan, .infinity, -.infinity, 123456789.125, 0.1,
            Double.leastNonzeroMagnitude, Double.greatestFiniteMagnitude, 2.5e-7, -3,
        ]
        var floats: [Float] = [0.1, 1, .nan, -.infinity]
        var decimals: [Decimal] = [
            Decimal(string: "1714564800.123456")!, 0, Decimal(string: "-1.50")!,
            Decimal(string: "0.000001")!, Decimal(string: "123456789012345678901234567890")!,
        ]
        var missing: Int? = nil
        var optionals: [Int?] = [nil, 1]
        var keys = ["b": 1, "B": 2, "a10": 3, "a9": 4, "_": 5, "é": 6, "Z": 7, "": 8, "abcdefgh1": 9, "abcdefgh0": 10]
        var intKeys = [10: "ten", 9: "nine", -1: "minus one"]
        var integers: [Int64] = [.min, .max, 0, -1]
        var unsigned: [UInt64] = [.max, 0]
        var small: [Int8] = [.min, .max]
        var bool = true
        var nested: [[String: [Double]]] = [["b": [1, 2], "a": []], [:]]
    }

    /// Written by hand, members in a scrambled order, nested containers, a repeated key.
    struct Handmade: Encodable {
        enum Key: String, CodingKey { case c, b, a, d }
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: Key.self)
            try c.encode("third", forKey: .c)
            var inner = c.nestedContainer(keyedBy: Key.self, forKey: .b)
            try inner.encode(2, forKey: .d)
            try inner.encodeNil(forKey: .a)
            var list = c.nestedUnkeyedContainer(forKey: .a)
            try list.encode(1.5)
            var deeper = list.nestedContainer(keyedBy: Key.self)
            try deeper.encode(true, forKey: .b)
            try list.encode("after")
            try c.encode(1, forKey: .d)
            try c.encode(2, forKey: .d)  // Foundation keeps the last
        }
    }

    @Test func edgeCasesMatchFoundation() throws {
        #expect(try Self.ours(Edges()) == Self.foundation(Edges()))
        #expect(try Self.ours(Handmade()) == Self.foundation(Handmade()))
        #expect(try Self.ours([Empty()]) == Self.foundation([Empty()]))
        #expect(try Self.ours("top") == Self.foundation("top"))
        #expect(try Self.ours(3.25) == Self.foundation(3.25))
        #expect(try Self.ours([[Int]]()) == Self.foundation([[Int]]()))
        // The form itself, pinned: pretty-printed with two spaces, " : ", empty containers
        // on two lines, keys in UTF-8 byte order, slashes unescaped.
        struct Small: Encodable { var b = [Int](); var a = "/"; var C = 1 }
        #expect(try Self.ours(Small()) == "{\n  \"C\" : 1,\n  \"a\" : \"/\",\n  \"b\" : [\n\n  ]\n}")
    }

    /// Random trees of objects, arrays and scalars, keys from a small alphabet so that
    /// objects come unsorted and nest.
    indirect enum Tree: Encodable {
        case object([(String, Tree)])
        case array([Tree])
        case string(String), double(Double), int(Int), bool(Bool), null

        struct Key: CodingKey {
            var stringValue: String
            init(stringValue: String) { self.stringValue = stringValue }
            var intValue: Int? { nil }
            init?(intValue: Int) { nil }
        }

        func encode(to encoder: any Encoder) throws {
            switch self {
            case .object(let members):
                var c = encoder.container(keyedBy: Key.self)
                for (k, v) in members { try c.encode(v, forKey: Key(stringValue: k)) }
            case .array(let items):
                var c = encoder.unkeyedContainer()
                for v in items { try c.encode(v) }
            case .string(let s): var c = encoder.singleValueContainer(); try c.encode(s)
            case .double(let d): var c = encoder.singleValueContainer(); try c.encode(d)
            case .int(let i): var c = encoder.singleValueContainer(); try c.encode(i)
            case .bool(let b): var c = encoder.singleValueContainer(); try c.encode(b)
            case .null: var c = encoder.singleValueContainer(); try c.encodeNil()
            }
        }

        static func random(depth: Int, _ g: inout SystemRandomNumberGenerator) -> Tree {
            let keys = ["a", "b", "aa", "B", "a1", "a10", "a9", "é", "", "longer-key-than-eight", "longer-key-than-eighT"]
            switch Int.random(in: 0..<(depth > 3 ? 5 : 7), using: &g) {
            case 0:
                return .string(
                    String(
                        (0..<Int.random(in: 0..<6, using: &g)).map { _ in
                            Character(Unicode.Scalar(UInt8.random(in: 0...127, using: &g)))
                        }))
            case 1: return .double([0.1, -0.0, 1e300, .nan, 7, 1 / 3][Int.random(in: 0..<6, using: &g)])
            case 2: return .int(Int.random(in: .min ... .max, using: &g))
            case 3: return Bool.random(using: &g) ? .bool(Bool.random(using: &g)) : .null
            case 4, 5:
                return .object(
                    (0..<Int.random(in: 0..<5, using: &g)).map { _ in
                        (keys[Int.random(in: 0..<keys.count, using: &g)], random(depth: depth + 1, &g))
                    })
            default: return .array((0..<Int.random(in: 0..<5, using: &g)).map { _ in random(depth: depth + 1, &g) })
            }
        }
    }

    @Test func randomTreesMatchFoundation() throws {
        var g = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            let tree = Tree.random(depth: 0, &g)
            let ours = try Self.ours(tree), theirs = try Self.foundation(tree)
            #expect(ours == theirs)
            if ours != theirs { break }
        }
    }

    /// A report split over two writers (`JSONRenderer.render(_: Report)`) reads as one: control
    /// bytes in strings, the NUL that marks a member written apart among them, on both sides.
    @Test func reportWrittenApartIsTheSameText() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("golden") + "/pods-apiserver.json"))
        var report = try JSONDecoder().decode(Report.self, from: data)
        #expect(report.tls.handshakes > 0 && report.apiServer.connections > 0)
        report.warnings.append("before\u{0}after")
        report.tls.serverNames["nul\u{0}in.sni", default: 0] += 1
        report.apiServer.endpoints.append("\u{0}")
        let whole = try Self.foundation(report) + "\n"
        #expect(JSONRenderer.render(report) == whole)
        #expect(whole.contains("before\\u0000after") && !whole.utf8.contains(0))
    }

    /// Every committed report and summary golden, decoded and written again by both.
    @Test func goldenReportsMatchFoundation() throws {
        let dir = Fixtures.path("golden")
        var checked = 0
        for name in try FileManager.default.contentsOfDirectory(atPath: dir).sorted() where name.hasSuffix(".json") {
            let data = try Data(contentsOf: URL(fileURLWithPath: dir + "/" + name))
            if let report = try? JSONDecoder().decode(Report.self, from: data) {
                #expect(try Self.ours(report) == Self.foundation(report), "\(name)")
                // With the TLS and API-server sections written on a second thread.
                #expect(try JSONRenderer.render(report) == Self.foundation(report) + "\n", "\(name)")
                checked += 1
            } else if let summary = try? JSONDecoder().decode(SummaryReport.self, from: data) {
                #expect(try Self.ours(summary) == Self.foundation(summary), "\(name)")
                checked += 1
            }
        }
        #expect(checked >= 8)
    }
}
