/// Certificates already summarised in this pass, by their DER bytes: a server presents the
/// same certificate to every client, and decoding one with swift-certificates cost more
/// than the rest of its session (measured: 2% of `loupe report` on 2M packets, 1,360
/// TLS 1.2 handshakes with a handful of distinct certificates). Bounded: past `limit`
/// distinct certificates the rest are decoded each time.
final class CertificateCache {
    static let limit = 256
    private var known: [[UInt8]: CertificateSummary] = [:]
    var count: Int { known.count }

    func summary(_ der: UnsafeRawBufferPointer) -> CertificateSummary {
        let key = Array(der)
        if let summary = known[key] { return summary }
        let summary = CertificateSummary(der: der)
        if known.count < Self.limit { known[key] = summary }
        return summary
    }
}
