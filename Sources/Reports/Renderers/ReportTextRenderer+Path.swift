import Foundation

extension ReportTextRenderer {
    /// Observation points and the path between them: where packets were seen, each hop's
    /// packets and delay, then the flows whose packets were lost between two points.
    static func path(_ s: SightingsSection, _ p: PathSection?) -> String {
        var out =
            "Path: \(s.points.total) points, \(s.distinctPackets) packets (\(s.extraSightings) extra sightings, "
            + "\(s.captureDuplicates) capture duplicates), \(s.natPairs) NAT views joined\n"
        for n in s.nodes.rows where s.nodes.total > 1 {
            let offset = n.clockOffset.map { String(format: "%+.3f ms ± %.3f ms", $0 * 1000, (n.clockOffsetError ?? 0) * 1000) }
            out += "  node " + pad(TextEscaping.escape(n.name), 30) + "clock " + (offset ?? "not estimated") + "\n"
        }
        guard let p else { return out }
        out +=
            "\n" + pad("hop", 56) + padLeft("packets", 9) + padLeft("p50 ms", 10) + padLeft("p99 ms", 10)
            + padLeft("lost", 7) + "\n"
        func ms(_ v: Double?) -> String { v.map { String(format: "%.3f", $0 * 1000) } ?? "-" }
        for h in p.hops.rows.prefix(20) {
            out +=
                pad(TextEscaping.escape(h.from) + " -> " + TextEscaping.escape(h.to), 56) + padLeft("\(h.packets)", 9)
                + padLeft(ms(h.delay.p50), 10) + padLeft(ms(h.delay.p99), 10) + padLeft("\(h.lost)", 7)
                + (h.delayError == nil ? "  (clocks not aligned)" : "") + "\n"
        }
        if p.hops.total > 20 { out += "... \(p.hops.total - 20) more (JSON lists up to --rows)\n" }
        if p.unverified > 0 {
            out +=
                "\(p.unverified) packets not seen at their next point where that point cannot tell (capture drops, "
                + "or not capturing then): not counted as lost\n"
        }
        guard !p.losses.rows.isEmpty else { return out }
        out += "\nlost between points\n"
        for l in p.losses.rows.prefix(20) {
            let reasons = l.kernelReasons.sorted { ($0.value, $1.key) > ($1.value, $0.key) }
                .map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            out +=
                "  " + padLeft("\(l.packets)", 6) + "  " + TextEscaping.escape(l.clientPod ?? l.client) + " -> "
                + TextEscaping.escape(l.serverPod ?? l.server) + "  between " + TextEscaping.escape(l.from) + " and "
                + TextEscaping.escape(l.to) + (reasons.isEmpty ? "" : "  (kernel: \(TextEscaping.escape(reasons)))") + "\n"
        }
        if p.losses.total > 20 { out += "... \(p.losses.total - 20) more (JSON lists up to --rows)\n" }
        return out
    }
}
