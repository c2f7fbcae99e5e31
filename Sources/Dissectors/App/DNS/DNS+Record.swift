extension DNS {
    /// Decoded record data for the types analysts read (RFC 1035, 3596, 2782, 1035 SOA, 9460
    /// SVCB/HTTPS, 8659 CAA, 6891 OPT); any other type is kept as its number and length.
    public enum RData: Hashable, Sendable {
        case address(IPAddress)
        /// CNAME, NS, PTR: a domain name.
        case name(String)
        case mx(preference: UInt16, exchange: String)
        case txt([String])
        case srv(priority: UInt16, weight: UInt16, port: UInt16, target: String)
        case soa(mname: String, rname: String, serial: UInt32, refresh: UInt32, retry: UInt32, expire: UInt32, minimum: UInt32)
        /// SVCB and HTTPS: priority, target and how many SvcParams follow.
        case serviceBinding(priority: UInt16, target: String, parameters: Int)
        case caa(flags: UInt8, tag: String, value: String)
        case opt([EDNSOption])
        case other(type: UInt16, length: Int)
    }

    /// An EDNS0 option (RFC 6891 6.1.2): code and length, with the ones Loupe names.
    public struct EDNSOption: Hashable, Sendable {
        public var code: UInt16
        public var length: Int
        public init(code: UInt16, length: Int) { self.code = code; self.length = length }
        public static let nsid: UInt16 = 3, clientSubnet: UInt16 = 8, cookie: UInt16 = 10, padding: UInt16 = 12
    }

    public struct Record: Hashable, Sendable {
        public var name: String
        public var type: UInt16
        public var recordClass: UInt16
        public var ttl: UInt32
        public var data: RData
    }

    /// Every record of the answer, authority and additional sections, decoded. Lengths are
    /// checked against RDLENGTH and the message; a record whose data does not fit its own
    /// type's layout is a decode error at its offset.
    public static func records(_ view: View) throws(DecodeError) -> [Record] {
        let message = view.bytes
        var at = try firstRecord(view)
        var out: [Record] = []
        for _ in 0..<view.answerCount + view.authorityCount + view.additionalCount {
            let (name, next) = try readName(message, at: at)
            let h = try recordHeader(message, at: next)
            out.append(
                Record(
                    name: name, type: h.type, recordClass: h.recordClass, ttl: h.ttl,
                    data: try rdata(message, type: h.type, start: h.data.lowerBound, end: h.data.upperBound)))
            at = h.data.upperBound
        }
        return out
    }

    static func rdata(_ m: ByteSlice, type: UInt16, start: Int, end: Int) throws(DecodeError) -> RData {
        func need(_ n: Int) throws(DecodeError) {
            guard start + n <= end else {
                throw DecodeError(.badLength, .dns, at: m.frameOffset + start, value: end - start, limit: n)
            }
        }
        /// A name inside RDATA must end within the record.
        func name(at offset: Int) throws(DecodeError) -> (String, Int) {
            let (text, next) = try readName(m, at: offset)
            guard next <= end else {
                throw DecodeError(.badLength, .dns, at: m.frameOffset + offset, value: next - start, limit: end - start)
            }
            return (text, next)
        }
        func characterString(at offset: Int) throws(DecodeError) -> (String, Int) {
            guard offset < end else { throw DecodeError(.truncated, .dns, at: m.frameOffset + offset, value: 1, limit: 0) }
            let n = Int(m.u8(at: offset))
            guard offset + 1 + n <= end else {
                throw DecodeError(.badLength, .dns, at: m.frameOffset + offset, value: n, limit: end - offset - 1)
            }
            return (PresentationText.make(m.dropFirst(offset + 1).prefix(n), alsoEscaped: UInt8(ascii: "\"")), offset + 1 + n)
        }
        switch type {
        case RecordType.a:
            guard end - start == 4 else {
                throw DecodeError(.badLength, .dns, at: m.frameOffset + start, value: end - start, limit: 4)
            }
            return .address(IPAddress(v4: m.u32(at: start)))
        case RecordType.aaaa:
            guard end - start == 16 else {
                throw DecodeError(.badLength, .dns, at: m.frameOffset + start, value: end - start, limit: 16)
            }
            return .address(IPAddress(high: m.u64(at: start), low: m.u64(at: start + 8)))
        case RecordType.cname, RecordType.ns, RecordType.ptr:
            return .name(try name(at: start).0)
        case RecordType.mx:
            try need(3)
            return .mx(preference: m.u16(at: start), exchange: try name(at: start + 2).0)
        case RecordType.txt:
            var strings: [String] = []
            var at = start
            while at < end {
                let (s, next) = try characterString(at: at)
                strings.append(s)
                at = next
            }
            return .txt(strings)
        case RecordType.srv:
            try need(7)
            return .srv(
                priority: m.u16(at: start), weight: m.u16(at: start + 2), port: m.u16(at: start + 4),
                target: try name(at: start + 6).0)
        case RecordType.soa:
            let (mname, a) = try name(at: start)
            let (rname, b) = try name(at: a)
            guard b + 20 <= end else { throw DecodeError(.badLength, .dns, at: m.frameOffset + b, value: end - b, limit: 20) }
            return .soa(
                mname: mname, rname: rname, serial: m.u32(at: b), refresh: m.u32(at: b + 4),
                retry: m.u32(at: b + 8), expire: m.u32(at: b + 12), minimum: m.u32(at: b + 16))
        case RecordType.svcb, RecordType.https:
            try need(3)
            let (target, next) = try name(at: start + 2)
            // SvcParams share OPT's key-length-value layout.
            return .serviceBinding(
                priority: m.u16(at: start), target: target,
                parameters: try keyLengthValues(m, start: next, end: end).count)
        case RecordType.caa:
            try need(2)
            let tagLength = Int(m.u8(at: start + 1))
            guard start + 2 + tagLength <= end else {
                throw DecodeError(.badLength, .dns, at: m.frameOffset + start + 1, value: tagLength, limit: end - start - 2)
            }
            let quote = UInt8(ascii: "\"")
            return .caa(
                flags: m.u8(at: start),
                tag: PresentationText.make(m.dropFirst(start + 2).prefix(tagLength), alsoEscaped: quote),
                value: PresentationText.make(
                    m.dropFirst(start + 2 + tagLength).prefix(end - start - 2 - tagLength),
                    alsoEscaped: quote))
        case RecordType.opt:
            return .opt(try keyLengthValues(m, start: start, end: end))
        default:
            return .other(type: type, length: end - start)
        }
    }

    /// OPT options and SvcParams: `code u16 | length u16 | data`, repeated to the end of
    /// the record; each must fit in it.
    static func keyLengthValues(_ m: ByteSlice, start: Int, end: Int) throws(DecodeError) -> [EDNSOption] {
        var out: [EDNSOption] = []
        var at = start
        while at < end {
            guard at + 4 <= end else { throw DecodeError(.badLength, .dns, at: m.frameOffset + at, value: end - at, limit: 4) }
            let n = Int(m.u16(at: at + 2))
            guard at + 4 + n <= end else {
                throw DecodeError(.badLength, .dns, at: m.frameOffset + at + 2, value: n, limit: end - at - 4)
            }
            out.append(EDNSOption(code: m.u16(at: at), length: n))
            at += 4 + n
        }
        return out
    }
}
