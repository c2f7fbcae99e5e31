import Dissectors

/// Which TCP connections are TLS (README "TLS detection"). Looked at: the first
/// `segmentsExamined` payload-carrying segments of a connection, either direction, so that
/// TLS after a cleartext upgrade (PostgreSQL's SSLRequest, MySQL's SSL request, SMTP
/// STARTTLS) is still found. A segment starts TLS when its payload begins with:
/// - a handshake record (type 22, version 3.0-3.4, length within 2^14 + 2048) whose first
///   message is a ClientHello or ServerHello, on any port;
/// - an SSLv2-format ClientHello, as the connection's first payload;
/// - any plausible record header, on a port registered for TLS (`tlsPorts`): the capture
///   began after the handshake, and the stream is read from that record on.
enum TLSDetector {
    static let segmentsExamined = 8

    enum Verdict { case notYet, tls }

    static func examine(_ payload: ByteSlice, sourcePort: UInt16, destinationPort: UInt16, firstPayload: Bool) -> Verdict {
        if TLS.isRecordStart(payload) {
            if payload.u8(at: 0) == TLS.ContentType.handshake && payload.count > TLS.recordHeaderLength {
                let message = payload.u8(at: TLS.recordHeaderLength)
                if message == TLS.HandshakeType.clientHello || message == TLS.HandshakeType.serverHello { return .tls }
            }
            if isTLSPort(sourcePort) || isTLSPort(destinationPort) { return .tls }
            return .notYet
        }
        return firstPayload && TLS.SSLv2ClientHello.matches(payload) ? .tls : .notYet
    }

    /// HTTPS and the Kubernetes control plane (API server 6443, kubelet 10250, etcd
    /// 2379-2380, controller manager 10257, scheduler 10259, webhooks 8443/9443), and the
    /// IANA TLS ports of LDAP, DNS, IMAP, POP3, SMTP submission, SIP, MQTT and AMQP.
    static func isTLSPort(_ port: UInt16) -> Bool {
        switch port {
        case 443, 4443, 6443, 8443, 9443, 10250, 2379, 2380, 10257, 10259, 636, 853, 993, 995, 465, 5061, 8883, 5671:
            true
        default: false
        }
    }
}
