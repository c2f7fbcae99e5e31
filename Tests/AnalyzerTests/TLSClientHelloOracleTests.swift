import CaptureFormats
import Dissectors
import Foundation
import Testing
import _TestSupport

/// ClientHello fields decoded by Loupe against tshark 4.0's, frame by frame, on every corpus
/// capture whose ClientHello record starts and ends in one TCP segment (split ones need the
/// stream reassembler and are left to the TLS analysis).
@Suite(.enabled(if: TShark.available && Corpus.sharedRoot != nil, "needs tshark and ../shared"))
struct TLSClientHelloOracleTests {
    static let fields = [
        "tls.handshake.extensions_server_name", "tls.handshake.ciphersuite", "tls.handshake.extension.type",
        "tls.handshake.extensions_alpn_str", "tls.handshake.extensions.supported_version",
        "tls.handshake.extensions_supported_group", "tls.handshake.sig_hash_alg", "tls.handshake.version",
    ]

    static func hex(_ v: UInt16) -> String {
        let s = String(v, radix: 16)
        return "0x" + String(repeating: "0", count: 4 - s.count) + s
    }

    static func columns(_ c: TLS.ClientHello) -> [String] {
        [
            c.serverName ?? "", c.cipherSuites.map(hex).joined(separator: ","),
            c.extensions.map { String($0) }.joined(separator: ","), c.alpn.joined(separator: ","),
            c.supportedVersions.map(hex).joined(separator: ","), c.supportedGroups.map(hex).joined(separator: ","),
            c.signatureAlgorithms.map(hex).joined(separator: ","), hex(c.legacyVersion),
        ]
    }

    /// The ClientHello at the start of a TCP payload, when it is whole there.
    static func clientHello(_ payload: ByteSlice) throws -> TLS.ClientHello? {
        let header = try TLS.RecordHeader(validating: payload)
        guard header.contentType == TLS.ContentType.handshake,
            header.length <= payload.count - TLS.recordHeaderLength
        else { return nil }
        let (type, body) = try TLS.handshakeMessage(payload.dropFirst(TLS.recordHeaderLength).prefix(header.length))
        return type == TLS.HandshakeType.clientHello ? try TLS.ClientHello(body) : nil
    }

    static let serverFields = [
        "tls.handshake.ciphersuite", "tls.handshake.extension.type",
        "tls.handshake.extensions.supported_version", "tls.handshake.extensions_alpn_str",
    ]

    /// For every TLS corpus capture (the oracle's tls section says which: tshark runs once
    /// per capture with any, not 70 times), each TCP frame tshark shows under `filter`: its
    /// values for `fields` and Loupe's decoding of the frame.
    static func eachFrame(
        filter: String, fields: [String],
        _ body: (_ capture: String, _ frameNumber: Int, _ want: [String], _ frame: DecodedFrame) -> Void
    ) throws {
        for capture in Corpus.oracleCaptures() where capture != "gopacket/test202.pcapng" {
            guard let o = try? Corpus.oracle(capture), ((o["tls"] as? [String: Any])?["client_hellos"] as? Int ?? 0) > 0
            else { continue }
            let path = Corpus.capturePath(capture)
            let expected = try TShark.values(path, displayFilter: filter + " && tcp", fields: fields)
            var reader = try CaptureReader(path: path, readAhead: false)
            var frameNumber = 0
            while let record = reader.next() {
                frameNumber += 1
                guard let want = expected[frameNumber] else { continue }
                let frame = FrameDecoder.decode(
                    linkType: record.linkType.rawValue, bytes: record.data,
                    originalLength: record.originalLength)
                if frame.isTCP { body(capture, frameNumber, want, frame) }
            }
        }
    }

    /// ServerHellos the same way: cipher suite, extensions, selected version and ALPN.
    @Test func serverHellosMatchTshark() throws {
        var compared = 0
        var differences: [String] = []
        try Self.eachFrame(filter: "tls.handshake.type == 2", fields: Self.serverFields) { capture, frameNumber, want, frame in
            guard let header = try? TLS.RecordHeader(validating: frame.payload),
                header.contentType == TLS.ContentType.handshake,
                let (type, body) = try? TLS.handshakeMessage(frame.payload.dropFirst(TLS.recordHeaderLength)),
                type == TLS.HandshakeType.serverHello, let hello = try? TLS.ServerHello(body)
            else { return }
            compared += 1
            // tshark lists every handshake message's values in the frame; the ServerHello's come first.
            let got = [
                Self.hex(hello.cipherSuite), hello.extensions.map { String($0) }.joined(separator: ","),
                hello.selectedVersion.map(Self.hex) ?? "", hello.alpn ?? "",
            ]
            for (i, f) in Self.serverFields.enumerated() where !(want[i] == got[i] || want[i].hasPrefix(got[i] + ",")) {
                differences.append("\(capture) frame \(frameNumber) \(f): tshark \(want[i]) loupe \(got[i])")
            }
        }
        #expect(compared >= 8, "ServerHellos compared: \(compared)")
        #expect(differences.isEmpty, Comment(rawValue: differences.prefix(12).joined(separator: "\n")))
    }

    @Test func clientHellosMatchTshark() throws {
        var compared = 0, pinned = 0
        var differences: [String] = []
        try Self.eachFrame(filter: "tls.handshake.type == 1", fields: Self.fields) { capture, frameNumber, want, frame in
            guard let hello = try? Self.clientHello(frame.payload) else { return }
            compared += 1
            let got = Self.columns(hello)
            for (i, f) in Self.fields.enumerated() where got[i] != want[i] {
                // tshark 4.0 puts the lists of signature_algorithms_cert (50) and
                // delegated_credentials (34) in the same field as signature_algorithms,
                // in extension order; Loupe keeps signature_algorithms alone (what JA4
                // hashes): there, it must be one contiguous run of tshark's list.
                if f == "tls.handshake.sig_hash_alg", hello.extensions.contains(where: { $0 == 34 || $0 == 50 }),
                    !got[i].isEmpty, ("," + want[i] + ",").contains("," + got[i] + ",")
                {
                    pinned += 1
                    continue
                }
                differences.append("\(capture) frame \(frameNumber) \(f): tshark \(want[i]) loupe \(got[i])")
            }
        }
        #expect(compared >= 10, "ClientHellos compared: \(compared)")
        #expect(pinned == 1, "the one ClientHello with delegated_credentials (tls-1.2-stream-keylog-port6443)")
        #expect(differences.isEmpty, Comment(rawValue: differences.prefix(12).joined(separator: "\n")))
    }
}
