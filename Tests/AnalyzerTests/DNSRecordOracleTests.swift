import CaptureFormats
import Dissectors
import Foundation
import Testing
import _TestSupport

/// DNS record data decoded by Loupe against tshark 4.0's fields, frame by frame, on every
/// corpus capture with DNS over UDP: addresses, names, MX/SRV/SOA values, SVCB priorities
/// and EDNS option codes.
@Suite(.enabled(if: TShark.available && Corpus.sharedRoot != nil, "needs tshark and ../shared"))
struct DNSRecordOracleTests {
    static let fields = [
        "dns.a", "dns.aaaa", "dns.cname", "dns.ptr.domain_name", "dns.ns", "dns.mx.mail_exchange",
        "dns.srv.port", "dns.soa.serial_number", "dns.svcb.svcpriority", "dns.opt.code",
    ]

    static func captures() -> [String] {
        Corpus.oracleCaptures().filter { capture in
            guard let o = try? Corpus.oracle(capture), let dns = o["dns"] as? [String: Any],
                let transports = dns["by_transport"] as? [String: Int]
            else { return false }
            return (transports["udp"] ?? 0) > 0
        }
    }

    /// Loupe's values in tshark's column order, joined as tshark joins them.
    static func columns(_ records: [DNS.Record]) -> [String] {
        var c = Array(repeating: [String](), count: fields.count)
        for r in records {
            switch r.data {
            case .address(let a): c[r.type == DNS.RecordType.aaaa ? 1 : 0].append(a.text)
            case .name(let n):
                let i = r.type == DNS.RecordType.cname ? 2 : r.type == DNS.RecordType.ptr ? 3 : 4
                c[i].append(n)
            case .mx(_, let exchange): c[5].append(exchange)
            case .srv(_, _, let port, _): c[6].append(String(port))
            case .soa(_, _, let serial, _, _, _, _): c[7].append(String(serial))
            case .serviceBinding(let priority, _, _): c[8].append(String(priority))
            case .opt(let options): c[9] += options.map { String($0.code) }
            default: break
            }
        }
        return c.map { $0.joined(separator: ",") }
    }

    @Test(arguments: captures())
    func recordsMatchTshark(_ capture: String) throws {
        let path = Corpus.capturePath(capture)
        let expected = try TShark.values(path, displayFilter: "(dns || mdns) && udp && !icmp", fields: Self.fields)
        #expect(!expected.isEmpty)
        var reader = try CaptureReader(path: path, readAhead: false)
        var frameNumber = 0, compared = 0
        var differences: [String] = []
        while let record = reader.next() {
            frameNumber += 1
            guard let want = expected[frameNumber] else { continue }
            let frame = FrameDecoder.decode(
                linkType: record.linkType.rawValue, bytes: record.data,
                originalLength: record.originalLength)
            guard frame.isUDP else { continue }
            let got: [String]
            do {
                got = Self.columns(try DNS.records(try DNS.View(validating: frame.payload)))
            } catch {
                // tshark still shows what it decoded before the damage; Loupe shows none.
                differences.append("frame \(frameNumber): loupe \(error), tshark \(want)")
                continue
            }
            compared += 1
            for (i, f) in Self.fields.enumerated() where got[i] != want[i] {
                differences.append("frame \(frameNumber) \(f): tshark \(want[i]) loupe \(got[i])")
            }
        }
        #expect(compared > 0)
        #expect(differences.isEmpty, Comment(rawValue: "\(capture):\n" + differences.prefix(12).joined(separator: "\n")))
    }
}
