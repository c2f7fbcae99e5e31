@testable import Analyzer
import Testing

struct CertificateCacheTests {
    /// The cache gives what decoding gives, the same answer again for the same bytes, and
    /// keeps at most `limit` certificates (past it, decodes each time, still correctly).
    @Test func givesWhatDecodingGivesAndStaysBounded() {
        let cache = CertificateCache()
        // DER that does not parse (a SEQUENCE header over too few bytes, then noise): the
        // summary then carries the decoder's error, which differs with the bytes.
        func der(_ n: Int) -> [UInt8] { [0x30, 0x82, 0x01, 0x00] + (0..<8).map { UInt8(truncatingIfNeeded: n >> ($0 % 4 * 8)) } }
        for n in 0..<CertificateCache.limit + 44 {
            let bytes = der(n)
            let direct = bytes.withUnsafeBytes { CertificateSummary(der: $0) }
            #expect(bytes.withUnsafeBytes { cache.summary($0) } == direct)
            #expect(bytes.withUnsafeBytes { cache.summary($0) } == direct)  // from the cache
            #expect(direct.error != nil && direct.subject.isEmpty)
        }
        #expect(cache.count == CertificateCache.limit)
    }
}
