import Dissectors
import Testing

/// Record data decoding: every type Loupe names, with compression inside RDATA, and the
/// layout checks that turn a lying RDLENGTH into an error at its offset.
struct DNSRecordTests {
    typealias H = DNSTests

    func records(_ bytes: [UInt8]) throws -> [DNS.Record] {
        try bytes.withUnsafeBytes { raw in try DNS.records(try DNS.View(validating: ByteSlice(raw))) }
    }

    /// A response carrying `answers` after the standard question (pointer 0xC00C = its name).
    func response(_ answers: [[UInt8]], ar: UInt16 = 0) -> [UInt8] {
        H.header(flags: 0x8180, an: UInt16(answers.count - Int(ar)), ar: ar) + H.question + answers.flatMap { $0 }
    }

    /// `name(ptr) type IN ttl=60 rdlength rdata`.
    func rr(_ type: UInt16, _ data: [UInt8], name: [UInt8] = [0xC0, 12]) -> [UInt8] {
        name + [UInt8(type >> 8), UInt8(type & 0xFF), 0, 1, 0, 0, 0, 60, UInt8(data.count >> 8), UInt8(data.count & 0xFF)] + data
    }

    @Test func addressesAndNames() throws {
        let v6: [UInt8] = [0xFD, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x0A]
        let r = try records(
            response([
                rr(5, H.name([Array("api".utf8)]) + []),  // CNAME api.
                rr(1, [10, 96, 0, 1]),
                rr(28, v6),
                rr(12, [0xC0, 12]),  // PTR compressed to the question
            ]))
        #expect(r.count == 4)
        #expect(r[0].name == "kubernetes.default.svc" && r[0].ttl == 60 && r[0].recordClass == 1)
        #expect(r[0].data == .name("api"))
        #expect(r[1].data == .address(IPAddress(v4: 0x0A60_0001)))
        #expect(r[2].data == .address(IPAddress(high: 0xFD00_0000_0000_0000, low: 0x0A)))
        #expect(r[3].data == .name("kubernetes.default.svc"))
    }

    @Test func mxSrvSoaTxtCaa() throws {
        let soaTail: [UInt8] = [0, 0, 0, 7, 0, 0, 0x0E, 0x10, 0, 0, 0x03, 0x84, 0, 0x09, 0x3A, 0x80, 0, 0, 0, 30]
        let r = try records(
            response([
                rr(15, [0, 10] + [0xC0, 12]),
                rr(33, [0, 0, 0, 100, 0x01, 0xBB] + H.name([Array("pod".utf8)])),
                rr(6, H.name([Array("ns".utf8), Array("dns".utf8)]) + H.name([Array("hostmaster".utf8)]) + soaTail),
                rr(16, [5] + Array("v=a b".utf8) + [3, UInt8(ascii: "\""), 0x00, UInt8(ascii: "\\")] + [0]),
                rr(257, [128, 5] + Array("issue".utf8) + Array("letsencrypt.org".utf8)),
            ]))
        #expect(r[0].data == .mx(preference: 10, exchange: "kubernetes.default.svc"))
        #expect(r[1].data == .srv(priority: 0, weight: 100, port: 443, target: "pod"))
        #expect(
            r[2].data
                == .soa(
                    mname: "ns.dns", rname: "hostmaster", serial: 7, refresh: 3600,
                    retry: 900, expire: 604_800, minimum: 30))
        #expect(r[3].data == .txt(["v=a b", #"\"\000\\"#, ""]))
        #expect(r[4].data == .caa(flags: 128, tag: "issue", value: "letsencrypt.org"))
    }

    /// HTTPS (RFC 9460): priority, target "." and two SvcParams (alpn, port).
    @Test func serviceBinding() throws {
        let params: [UInt8] = [0, 1, 0, 3, 2, UInt8(ascii: "h"), UInt8(ascii: "2"), 0, 3, 0, 2, 0x01, 0xBB]
        let r = try records(response([rr(65, [0, 1, 0] + params)]))
        #expect(r[0].data == .serviceBinding(priority: 1, target: ".", parameters: 2))
        let cut = try? records(response([rr(65, [0, 1, 0] + params.dropLast(1))]))
        #expect(cut == nil, "a SvcParam running past RDLENGTH is an error")
    }

    /// OPT in the additional section: options listed by code and length (cookie, padding).
    @Test func ednsOptions() throws {
        let options: [UInt8] = [0, 10, 0, 8] + Array(repeating: 0xAB, count: 8) + [0, 12, 0, 3, 0, 0, 0]
        let opt: [UInt8] = [0, 0, 41, 0x04, 0xD0, 0, 0, 0x80, 0, 0, UInt8(options.count)] + options
        let r = try records(response([rr(1, [10, 0, 0, 1]), opt], ar: 1))
        #expect(r.count == 2 && r[1].type == 41 && r[1].name == ".")
        #expect(
            r[1].data
                == .opt([
                    .init(code: DNS.EDNSOption.cookie, length: 8),
                    .init(code: DNS.EDNSOption.padding, length: 3),
                ]))
        let bad = [0, 0, 41, 0x04, 0xD0, 0, 0, 0x80, 0, 0, 6] + [0, 10, 0, 8, 0xAB, 0xAB] as [UInt8]
        #expect((try? records(response([bad], ar: 1))) == nil, "an option longer than the record is an error")
    }

    /// Unknown types keep their number and length; an A record of the wrong size is an
    /// error at the RDATA offset, not four bytes read from the next record.
    @Test func unknownTypesAndWrongSizes() throws {
        let r = try records(response([rr(99, [1, 2, 3])]))
        #expect(r[0].data == .other(type: 99, length: 3))
        do {
            _ = try records(response([rr(1, [10, 0, 0])]))
            Issue.record("must throw")
        } catch let error as DecodeError {
            #expect(error.code == .badLength && error.offset == 12 + H.question.count + 12)
        }
        // A name inside RDATA that runs past RDLENGTH (CNAME rdlength 2 but a 5-byte name).
        let lying: [UInt8] = [0xC0, 12, 0, 5, 0, 1, 0, 0, 0, 60, 0, 2] + H.name([Array("api".utf8)])
        #expect((try? records(response([lying]))) == nil)
    }

    /// Every prefix of a message with every record type throws or parses; none traps.
    @Test func truncatedRecordsNeverTrap() throws {
        let full = response([
            rr(15, [0, 10, 0xC0, 12]), rr(33, [0, 0, 0, 100, 0x01, 0xBB, 0]),
            rr(16, [1, 65]), rr(257, [0, 1, 65, 66]), rr(65, [0, 1, 0, 0, 1, 0, 0]),
        ])
        #expect(try records(full).count == 5)
        for n in 0..<full.count { _ = try? records(Array(full.prefix(n))) }
        for n in 0..<full.count {
            var flipped = full
            flipped[n] ^= 0xFF
            _ = try? records(flipped)
        }
    }
}
