/// Untrusted bytes (TXT and CAA strings, SNI, ALPN) as text safe to print and parse back:
/// printable ASCII as is, a backslash and `alsoEscaped` behind a backslash, anything else
/// as `\DDD` (RFC 1035 5.1's form). DNS names have their own, faster builder (`readName`),
/// which also escapes dots and spaces.
public enum PresentationText {
    public static func make(_ bytes: ByteSlice, alsoEscaped: UInt8? = nil) -> String {
        var out = ""
        out.reserveCapacity(bytes.count)
        for i in 0..<bytes.count {
            let b = bytes.u8(at: i)
            if b == UInt8(ascii: "\\") || b == alsoEscaped {
                out.unicodeScalars.append("\\")
                out.unicodeScalars.append(Unicode.Scalar(b))
            } else if (0x20...0x7E).contains(b) {
                out.unicodeScalars.append(Unicode.Scalar(b))
            } else {
                let d = String(b)
                out += "\\" + String(repeating: "0", count: 3 - d.count) + d
            }
        }
        return out
    }
}
