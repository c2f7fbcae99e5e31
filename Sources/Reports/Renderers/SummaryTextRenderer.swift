import Foundation

/// `loupe summary` as text: per-file facts (like capinfos), the protocol hierarchy (like
/// `tshark -z io,phs`) and the top conversations, in 100 columns.
public enum SummaryTextRenderer {
    public static func render(_ r: SummaryReport) -> String {
        var out = ""
        for input in r.inputs { out += file(input) + "\n" }
        for n in r.nodes {
            out +=
                "Node: \(TextEscaping.escape(n.name))"
                + (n.addresses.isEmpty ? "" : " (" + n.addresses.map(TextEscaping.escape).joined(separator: ", ") + ")") + "\n\n"
        }
        if r.inputs.count > 1 { out += "Total: \(r.packets) packets, \(r.bytes) bytes\n\n" }
        if let f = r.filter { out += "Filter \"\(TextEscaping.escape(f))\": \(r.matchedPackets) packets matched\n\n" }
        out += hierarchy(r.protocols)
        out += "\n" + conversations(r.conversations)
        let t = r.flowTable
        out += "\nFlows: \(t.flows) (peak live \(t.peakLive) of \(t.maximumLive), expired \(t.expired), evicted \(t.evicted))\n"
        if r.malformedPackets > 0 { out += "Malformed packets: \(r.malformedPackets)\n" }
        let fr = r.fragments
        if fr.reassembled + fr.incomplete + fr.dropped > 0 {
            out +=
                "IP fragments: \(fr.reassembled) datagrams reassembled, \(fr.incomplete) incomplete, "
                + "\(fr.overlaps) overlaps, \(fr.dropped) dropped\n"
        }
        for w in r.warnings { out += "warning: \(TextEscaping.escape(w))\n" }
        return out
    }

    static func file(_ i: InputSummary) -> String {
        var lines: [(String, String)] = [
            ("File", TextEscaping.escape(i.path)),
            ("Format", (i.format ?? "unreadable") + (i.compression == "none" ? "" : " (\(i.compression) compressed)")),
            ("Link types", i.linkTypes.joined(separator: ", ")),
            ("Packets", "\(i.packets)"),
            ("Bytes", "\(i.bytes) on the wire, \(i.capturedBytes) captured"),
        ]
        if i.snaplenCutPackets > 0 { lines.append(("Cut by snaplen", "\(i.snaplenCutPackets) packets")) }
        lines.append(("First packet", i.firstTimestamp.map(seconds) ?? "-"))
        lines.append(("Last packet", i.lastTimestamp.map(seconds) ?? "-"))
        lines.append(("Duration", i.duration.map { String(format: "%.6f s", $0) } ?? "-"))
        lines.append(("Sections", "\(i.sections), \(i.interfaces.count) interfaces"))
        for (n, iface) in i.interfaces.enumerated() {
            var text = "\(iface.linkType), snaplen \(iface.snapLength), \(iface.packets) packets"
            if let name = iface.name { text = TextEscaping.escape(name) + ": " + text }
            if let rx = iface.received { text += ", received \(rx)" }
            if let d = iface.dropped { text += ", dropped \(d)" }
            lines.append(("  Interface \(n)", text))
        }
        if let d = i.captureDrops { lines.append(("Capture drops", "\(d)")) }
        if let damage = i.damage {
            lines.append(("DAMAGE", "at byte \(damage.offset): \(TextEscaping.escape(damage.message))"))
        }
        for w in i.warnings { lines.append(("Warning", TextEscaping.escape(w))) }
        return lines.map { pad($0.0 + ":", 16) + $0.1 }.joined(separator: "\n") + "\n"
    }

    static func hierarchy(_ rows: [ProtocolRow]) -> String {
        var out = "Protocol hierarchy                                  packets            bytes\n"
        for row in rows {
            let name = String(repeating: "  ", count: row.depth - 1) + row.protocolName
            out += pad(name, 44) + padLeft("\(row.packets)", 15) + padLeft("\(row.bytes)", 17) + "\n"
        }
        return out
    }

    static func conversations(_ list: RowList<ConversationRow>) -> String {
        var out = "Conversations (\(list.total), by bytes)\n"
        // Endpoint columns as wide as the widest row (IPv4 rows stay within 100 columns).
        let width = max(22, list.rows.map { max($0.client.count, $0.server.count) }.max() ?? 0) + 2
        let protoWidth = max(6, (list.rows.map(\.transport.count).max() ?? 0) + 1)
        out +=
            pad("proto", protoWidth) + pad("client", width) + pad("server", width) + padLeft("packets", 9)
            + padLeft("bytes", 12) + padLeft("seconds", 10) + "\n"
        for c in list.rows {
            out +=
                pad(c.transport, protoWidth) + pad(c.client, width) + pad(c.server, width)
                + padLeft("\(c.packets)", 9) + padLeft("\(c.bytes)", 12)
                + padLeft(String(format: "%.3f", c.duration), 10) + "\n"
        }
        if list.omitted > 0 { out += "... \(list.omitted) more conversations (raise --rows to see them)\n" }
        return out
    }

    /// Seconds since the epoch with all nine decimals, whatever the Decimal's own form.
    static func seconds(_ d: Decimal) -> String {
        let text = "\(d)"
        guard let dot = text.firstIndex(of: ".") else { return text + ".000000000" }
        let fraction = text[text.index(after: dot)...]
        return fraction.count >= 9 ? text : text + String(repeating: "0", count: 9 - fraction.count)
    }

    static func pad(_ s: String, _ width: Int) -> String {
        s.count >= width ? s + " " : s + String(repeating: " ", count: width - s.count)
    }

    static func padLeft(_ s: String, _ width: Int) -> String {
        s.count >= width ? " " + s : String(repeating: " ", count: width - s.count) + s
    }
}
