/// Capture content (interface names, comments, paths) goes to terminals: control
/// characters and escapes are shown as \xNN so a hostile capture cannot drive the terminal.
public enum TextEscaping {
    public static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for scalar in s.unicodeScalars {
            switch scalar.value {
            case 0x5C: out += "\\\\"
            case 0x20..<0x7F, 0xA0...: out.unicodeScalars.append(scalar)
            default:
                let h = String(scalar.value, radix: 16)
                out += "\\x" + (h.count < 2 ? "0" + h : h)
            }
        }
        return out
    }
}
