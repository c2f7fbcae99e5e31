extension ReportTextRenderer {
    /// ICMP: messages by type, then the errors naming a flow (path MTU first: the black holes).
    static func icmp(_ s: ICMPSection) -> String {
        var out =
            "ICMP: \(s.messages) messages, \(s.fragmentationNeeded.total) fragmentation needed / packet too big, "
            + "\(s.unreachable.total) unreachable\n"
        let types = s.byType.sorted { ($0.value, $1.key) > ($1.value, $0.key) }
        out += "  " + pad("types", 20) + types.map { "\(TextEscaping.escape($0.key)) \($0.value)" }.joined(separator: ", ") + "\n"
        for (title, list) in [("path MTU", s.fragmentationNeeded), ("unreachable", s.unreachable)] where !list.rows.isEmpty {
            out += "\n" + pad(title, 13) + pad("from", 24) + pad("flow", 50) + padLeft("code", 5) + padLeft("mtu", 6) + "\n"
            for r in list.rows.prefix(20) {
                out +=
                    pad("", 13) + pad(r.from, 24) + pad(r.flowClient + " -> " + r.flowServer, 50) + padLeft("\(r.code)", 5)
                    + padLeft(r.mtu.map(String.init) ?? "-", 6) + "\n"
            }
            if list.total > 20 { out += "... \(list.total - 20) more (JSON lists up to --rows)\n" }
        }
        return out
    }
}
