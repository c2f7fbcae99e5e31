import Dissectors

/// Entry for the TLS fuzz target (Sources/FuzzTargets): the bytes as one direction of a TLS
/// stream, cut into chunks `step` bytes long, every handshake message decoded and
/// fingerprinted, and certificates parsed, as the analysis would.
public enum TLSFuzzing {
    public static func consume(_ bytes: UnsafeRawBufferPointer, step: Int) {
        var stream = TLSRecordStream()
        var offset = 0
        while offset < bytes.count {
            let end = min(bytes.count, offset + max(1, step))
            let chunk = ReassembledChunk(
                bytes: UnsafeRawBufferPointer(rebasing: bytes[offset..<end]),
                streamOffset: UInt64(offset), time: Int64(offset), gapBefore: 0)
            stream.receive(chunk) { event, _ in
                if case .handshake(let type, let body, _) = event { message(type, body) }
                return true
            }
            offset = end
        }
        for type: UInt8 in [1, 2, 11] { message(type, ByteSlice(bytes)) }
        _ = try? TLS.SSLv2ClientHello(ByteSlice(bytes))
        _ = CertificateSummary(der: bytes)
    }

    static func message(_ type: UInt8, _ body: ByteSlice) {
        switch type {
        case 1: if let h = try? TLS.ClientHello(body) { _ = JA4.fingerprint(h); _ = JA3.fingerprint(h) }
        case 2: if let h = try? TLS.ServerHello(body) { _ = JA3.serverFingerprint(h) }
        case 11: for c in (try? TLS.certificates(body)) ?? [] { _ = CertificateSummary(der: c.base) }
        default: break
        }
    }
}
