/// Which application protocol a payload is, for the protocol hierarchy and for choosing
/// analyzers: well-known ports first, then cheap documented heuristics on the first bytes.
///
/// The tables are switches, not dictionaries: they run on every packet, and a switch
/// costs a few compares where a `Dictionary` lookup costs a SipHash (measured: ~6% of
/// `loupe summary`).
public enum PortTable {
    @inline(__always)
    public static func udp(_ port: UInt16) -> LayerID? {
        switch port {
        case 53, 5353, 5355: .dns
        case 443: .quic
        default: nil
        }
    }

    @inline(__always)
    public static func tcp(_ port: UInt16) -> LayerID? {
        port == 53 ? .dns : nil
    }

    /// The application layer of a TCP or UDP payload, or nil.
    public static func application(
        tcp: Bool, sourcePort: UInt16, destinationPort: UInt16,
        payload: ByteSlice
    ) -> LayerID? {
        guard payload.count > 0 else { return nil }
        if let hit = tcp
            ? (Self.tcp(destinationPort) ?? Self.tcp(sourcePort))
            : (Self.udp(destinationPort) ?? Self.udp(sourcePort))
        {
            return hit
        }
        guard tcp else {
            // NetBIOS name service (137/138) shares DNS's wire format but is not DNS.
            if sourcePort == 137 || destinationPort == 137 || sourcePort == 138 || destinationPort == 138 { return nil }
            return Heuristics.isDNSMessage(payload) ? .dns : nil
        }
        if Heuristics.isTLSRecord(payload) { return .tls }
        if Heuristics.isHTTP1(payload) { return .http }
        return nil
    }
}

/// Byte-pattern probes, each documented with what it accepts.
public enum Heuristics {
    /// A TLS record header: content type 20-23 (CCS, alert, handshake, application data),
    /// major version 3, minor 0-4, and a record length no larger than 2^14 + 2048 (RFC 8446 5.2).
    /// An SSLv2-style ClientHello (high bit length, message type 1) also counts.
    public static func isTLSRecord(_ p: ByteSlice) -> Bool {
        guard p.count >= 5 else { return false }
        let type = p.u8(at: 0)
        if (20...23).contains(type) {
            return p.u8(at: 1) == 3 && p.u8(at: 2) <= 4 && Int(p.u16(at: 3)) <= 16384 + 2048
        }
        return type & 0x80 != 0 && p.u8(at: 2) == 1 && p.u8(at: 3) == 3
    }

    /// A DNS message on a port not registered for DNS. Strict, because any UDP payload is
    /// checked: exactly one question; opcode QUERY (0), NOTIFY (4) or UPDATE (5); the Z bit
    /// clear; no more than 64 records of each kind; and the whole message decodes
    /// (names, question, every record within the payload). Text protocols such as statsd
    /// fail the opcode test at once.
    public static func isDNSMessage(_ p: ByteSlice) -> Bool {
        guard p.count >= 17, let view = try? DNS.View(validating: p) else { return false }
        let flags = view.flags
        let opcode = view.opcode
        guard view.questionCount == 1, opcode == 0 || opcode == 4 || opcode == 5, flags & 0x0040 == 0,
            view.answerCount <= 64, view.authorityCount <= 64, view.additionalCount <= 64
        else { return false }
        return (try? DNS.Message(view)) != nil
    }

    /// An HTTP/1.x request line or status line start.
    public static func isHTTP1(_ p: ByteSlice) -> Bool {
        guard p.count >= 5 else { return false }
        switch p.u32(at: 0) {
        // "GET ", "POST", "PUT ", "HEAD", "DELE", "OPTI", "PATC", "HTTP"
        case 0x4745_5420, 0x504F_5354, 0x5055_5420, 0x4845_4144, 0x4445_4C45, 0x4F50_5449, 0x5041_5443,
            0x4854_5450:
            return true
        default: return false
        }
    }
}
