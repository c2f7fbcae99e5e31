import Foundation

extension ReportTextRenderer {
    /// The kernel's view next to the wire's (bundles recorded with kernel events).
    static func kernel(_ k: KernelSection) -> String {
        var out = "Kernel (eBPF): \(k.events) events"
        if !k.attached.isEmpty { out += " from " + k.attached.map(TextEscaping.escape).joined(separator: ", ") }
        out += "\n"
        for u in k.unavailable { out += "  not recorded: \(TextEscaping.escape(u))\n" }
        if k.lost > 0 { out += "  lost: \(k.lost) events (ring buffer full)\n" }
        let lines: [(String, String)] = [
            (
                "retransmissions",
                "kernel \(k.retransmissions) (\(k.retransmissionsOnCapturedConnections) on connections in the capture"
                    + (k.failedRetransmissions > 0 ? ", \(k.failedRetransmissions) more failed to send" : "") + ")"
            ),
            (
                "on the wire",
                "\(k.wireRetransmissions) retransmissions; on the kernel's connections \(k.wireRetransmissionsOnThoseConnections)"
                    + " + \(k.wireOutOfOrderOnThoseConnections) out-of-order (resends within an RTT)"
            ),
            ("state changes", "\(k.stateChanges)"),
            ("drops", "\(k.drops) packets, \(k.dropBytes) bytes"),
        ]
        for (name, value) in lines { out += "  " + pad(name, 18) + value + "\n" }
        if !k.dropReasons.rows.isEmpty {
            out += "\n" + pad("drop reason", 32) + padLeft("drops", 9) + padLeft("bytes", 12) + "\n"
            for r in k.dropReasons.rows {
                out += pad(TextEscaping.escape(r.reason), 32) + padLeft("\(r.drops)", 9) + padLeft("\(r.bytes)", 12) + "\n"
            }
            if k.dropReasons.omitted > 0 { out += "... \(k.dropReasons.omitted) more reasons\n" }
        }
        let rows = k.connections.rows
        if !rows.isEmpty {
            let width = max(21, rows.map { max($0.sender.count, $0.receiver.count) }.max() ?? 0) + 1
            out +=
                "\n" + pad("sender", width) + pad("receiver", width) + padLeft("kernel", 7) + padLeft("retx", 6)
                + padLeft("ooo", 5)
                + padLeft("sRTT ms", 9) + "\n"
            for r in rows {
                out +=
                    pad(TextEscaping.escape(r.sender), width) + pad(TextEscaping.escape(r.receiver), width)
                    + padLeft("\(r.kernel)", 7) + padLeft(r.wire.map(String.init) ?? "-", 6)
                    + padLeft(r.wireOutOfOrder.map(String.init) ?? "-", 5)
                    + padLeft(r.smoothedRtt.map { String(format: "%.3f", $0 * 1000) } ?? "-", 9) + "\n"
            }
            if k.connections.omitted > 0 { out += "... \(k.connections.omitted) more connections (raise --rows to see them)\n" }
        }
        return out
    }
}
