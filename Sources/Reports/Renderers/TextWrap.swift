/// Keeps the text report within `width` columns: a longer line breaks at its last space
/// before the limit (a word longer than the limit is cut), and its continuation lines are
/// indented under the line's first column past its indentation, so table rows stay readable
/// and nothing is dropped.
enum TextWrap {
    static let width = 100

    static func fit(_ text: String, width: Int = width) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count + 64)
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            out += wrap(Array(line), width: width).joined(separator: "\n") + "\n"
        }
        return String(out.dropLast())
    }

    static func wrap(_ line: [Character], width: Int) -> [String] {
        guard line.count > width else { return [String(line)] }
        let indent = line.prefix { $0 == " " }.count
        let continuation = String(repeating: " ", count: min(indent + 4, width / 2))
        var lines: [String] = []
        var rest = line[...]
        var prefix = ""
        while prefix.count + rest.count > width {
            let room = width - prefix.count
            let window = rest.prefix(room + 1)
            let cut =
                window.lastIndex(of: " ").flatMap { $0 > rest.startIndex ? $0 : nil }
                ?? rest.index(rest.startIndex, offsetBy: room)
            var piece = String(rest[..<cut])
            while piece.last == " " { piece.removeLast() }
            lines.append(prefix + piece)
            rest = rest[cut...].drop { $0 == " " }
            prefix = continuation
        }
        if !rest.isEmpty { lines.append(prefix + String(rest)) }
        return lines
    }
}
