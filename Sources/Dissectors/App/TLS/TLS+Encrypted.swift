extension TLS {
    /// The certificates of a TLS 1.3 Certificate message (RFC 8446 4.4.2): a request context,
    /// then a 3-byte-length list of entries, each a DER certificate and its extensions; the
    /// server's own first. Read only once the message was decrypted.
    public static func certificates13(_ body: ByteSlice) throws(DecodeError) -> [ByteSlice] {
        var r = TLSCursor(body)
        _ = try r.vector(lengthBytes: 1)  // certificate_request_context
        var list = TLSCursor(try r.vector(lengthBytes: 3))
        var out: [ByteSlice] = []
        while !list.isAtEnd {
            out.append(try list.vector(lengthBytes: 3))
            _ = try list.vector(lengthBytes: 2)  // the entry's extensions
        }
        return out
    }

    /// The ALPN protocol an EncryptedExtensions message (RFC 8446 4.3.1) selected, as
    /// `PresentationText`, or nil.
    public static func selectedALPN(encryptedExtensions body: ByteSlice) throws(DecodeError) -> String? {
        var r = TLSCursor(body)
        var alpn: String?
        try r.forEachExtension { (type, data) throws(DecodeError) in
            guard type == ClientHello.Extension.alpn else { return }
            var names = TLSCursor(try TLSCursor.inner(data, lengthBytes: 2))
            if !names.isAtEnd { alpn = PresentationText.make(try names.vector(lengthBytes: 1)) }
        }
        return alpn
    }

    /// Whether an EncryptedExtensions message carries early_data (RFC 8446 4.2.10): the
    /// server accepted the client's 0-RTT data; without it the server skipped that data.
    public static func acceptsEarlyData(encryptedExtensions body: ByteSlice) throws(DecodeError) -> Bool {
        var r = TLSCursor(body)
        var accepted = false
        try r.forEachExtension { (type, _) throws(DecodeError) in
            if type == ClientHello.Extension.earlyData { accepted = true }
        }
        return accepted
    }
}
