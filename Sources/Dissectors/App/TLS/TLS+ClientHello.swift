extension TLS {
    /// A ClientHello's fields that fingerprints (JA4) and reports use, in wire order.
    /// GREASE values (RFC 8701) are kept: dropping them is the fingerprint's business.
    public struct ClientHello: Hashable, Sendable {
        public var legacyVersion: UInt16
        public var sessionID: [UInt8]
        public var sessionIDLength: Int { sessionID.count }
        public var cipherSuites: [UInt16] = []
        public var compressionMethods: Int
        /// Extension types in wire order.
        public var extensions: [UInt16] = []
        /// server_name's host_name as `PresentationText` (`\DDD` outside printable ASCII).
        public var serverName: String?
        public var alpn: [String] = []
        /// The first ALPN value's first and last bytes, raw (JA4 reads them, not the escaped text).
        public var alpnEnds: [UInt8] = []
        public var supportedVersions: [UInt16] = []
        public var supportedGroups: [UInt16] = []
        public var signatureAlgorithms: [UInt16] = []
        /// signature_algorithms_cert (RFC 8446 4.2.3), apart: JA4 reads only signature_algorithms.
        public var signatureAlgorithmsCert: [UInt16] = []
        /// ec_point_formats (RFC 8422 5.1.2), for JA3.
        public var ecPointFormats: [UInt8] = []
        /// The groups of key_share's entries (RFC 8446 4.2.8), in wire order.
        public var keyShareGroups: [UInt16] = []
        /// Bytes of the session_ticket extension (RFC 5077): nonzero offers a ticket to resume.
        public var sessionTicketLength = 0
        /// pre_shared_key (RFC 8446 4.2.11): the client offers to resume (or use a PSK).
        public var offersPreSharedKey: Bool { extensions.contains(Extension.preSharedKey) }

        public enum Extension {
            public static let serverName: UInt16 = 0, supportedGroups: UInt16 = 10, signatureAlgorithms: UInt16 = 13
            public static let alpn: UInt16 = 16, supportedVersions: UInt16 = 43, signatureAlgorithmsCert: UInt16 = 50
            public static let ecPointFormats: UInt16 = 11, sessionTicket: UInt16 = 35, preSharedKey: UInt16 = 41
            public static let keyShare: UInt16 = 51, earlyData: UInt16 = 42
        }

        /// `body` is the handshake message's body (after its 4-byte header).
        public init(_ body: ByteSlice) throws(DecodeError) {
            var r = TLSCursor(body)
            legacyVersion = try r.u16()
            try r.skip(32)  // random
            sessionID = Array(try r.vector(lengthBytes: 1).base)
            cipherSuites = try TLSCursor.u16List(try r.vector(lengthBytes: 2))
            compressionMethods = try r.vector(lengthBytes: 1).count
            try r.forEachExtension { (type, data) throws(DecodeError) in
                extensions.append(type)
                switch type {
                case Extension.serverName: serverName = try Self.hostName(data)
                case Extension.alpn:
                    var names = TLSCursor(try TLSCursor.inner(data, lengthBytes: 2))
                    while !names.isAtEnd {
                        let value = try names.vector(lengthBytes: 1)
                        if alpn.isEmpty && value.count > 0 { alpnEnds = [value.u8(at: 0), value.u8(at: value.count - 1)] }
                        alpn.append(PresentationText.make(value))
                    }
                case Extension.supportedGroups: supportedGroups = try TLSCursor.u16List(try TLSCursor.inner(data, lengthBytes: 2))
                case Extension.signatureAlgorithms:
                    signatureAlgorithms = try TLSCursor.u16List(try TLSCursor.inner(data, lengthBytes: 2))
                case Extension.signatureAlgorithmsCert:
                    signatureAlgorithmsCert = try TLSCursor.u16List(try TLSCursor.inner(data, lengthBytes: 2))
                case Extension.supportedVersions:
                    supportedVersions = try TLSCursor.u16List(try TLSCursor.inner(data, lengthBytes: 1))
                case Extension.ecPointFormats: ecPointFormats = Array(try TLSCursor.inner(data, lengthBytes: 1).base)
                case Extension.sessionTicket: sessionTicketLength = data.count
                case Extension.keyShare:
                    var shares = TLSCursor(try TLSCursor.inner(data, lengthBytes: 2))
                    while !shares.isAtEnd {
                        keyShareGroups.append(try shares.u16())
                        _ = try shares.vector(lengthBytes: 2)
                    }
                default: break
                }
            }
        }

        /// server_name (RFC 6066 3): a list of (type, name); the first host_name (type 0).
        static func hostName(_ data: ByteSlice) throws(DecodeError) -> String? {
            var list = TLSCursor(try TLSCursor.inner(data, lengthBytes: 2))
            while !list.isAtEnd {
                let type = try list.u8()
                let name = try list.vector(lengthBytes: 2)
                if type == 0 { return PresentationText.make(name) }
            }
            return nil
        }
    }
}
