extension TLS {
    /// A ServerHello's choices: the negotiated version (supported_versions when present,
    /// RFC 8446 4.2.1, else the legacy field), cipher suite, extensions and ALPN.
    public struct ServerHello: Hashable, Sendable {
        public var legacyVersion: UInt16
        public var sessionID: [UInt8]
        public var cipherSuite: UInt16
        public var extensions: [UInt16] = []
        /// supported_versions' selected version (TLS 1.3), nil before 1.3.
        public var selectedVersion: UInt16?
        public var alpn: String?
        /// RFC 8446 4.1.3: a HelloRetryRequest is a ServerHello with this random.
        public var isHelloRetryRequest = false

        public var version: UInt16 { selectedVersion ?? legacyVersion }

        static let helloRetryRandom: [UInt8] = [
            0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
            0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C,
        ]

        /// `body` is the handshake message's body (after its 4-byte header).
        public init(_ body: ByteSlice) throws(DecodeError) {
            var r = TLSCursor(body)
            legacyVersion = try r.u16()
            try body.require(2 + 32, .tls)
            isHelloRetryRequest = (0..<32).allSatisfy { body.u8(at: 2 + $0) == Self.helloRetryRandom[$0] }
            try r.skip(32)
            sessionID = Array(try r.vector(lengthBytes: 1).base)
            cipherSuite = try r.u16()
            _ = try r.u8()  // compression method
            try r.forEachExtension { (type, data) throws(DecodeError) in
                extensions.append(type)
                switch type {
                case ClientHello.Extension.supportedVersions:
                    try data.require(2, .tls)
                    selectedVersion = data.u16(at: 0)
                case ClientHello.Extension.alpn:
                    var names = TLSCursor(try TLSCursor.inner(data, lengthBytes: 2))
                    if !names.isAtEnd { alpn = PresentationText.make(try names.vector(lengthBytes: 1)) }
                default: break
                }
            }
        }
    }
}
