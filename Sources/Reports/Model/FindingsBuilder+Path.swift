extension FindingsBuilder {
    /// Packets lost between two observation points, and a slow hop: each names the place.
    static func path(_ p: PathSection) -> [Finding] {
        var out: [Finding] = []
        // The hop that lost the most; its worst flow named.
        if let hop = p.hops.rows.filter({ $0.lost >= Self.pathLossMinimum }).max(by: { ($0.lost, $1.from) < ($1.lost, $0.from) })
        {
            let flows = p.losses.rows.filter { $0.from == hop.from && $0.to == hop.to }
            let conversation = flows.first.map { ($0.clientPod ?? $0.client) + " -> " + ($0.serverPod ?? $0.server) } ?? ""
            let share = Double(hop.lost) / Double(max(1, hop.packets + hop.lost))
            out.append(
                Finding(
                    id: "path.loss", severity: share >= 0.05 ? .critical : .warning, section: "path",
                    title:
                        "\(hop.lost) packets\(flows.count == 1 ? " of " + conversation : "") lost between \(hop.from) and \(hop.to)",
                    detail: "\(percent(share)) of the packets that reached \(hop.from) on flows that go on to \(hop.to)"
                        + (flows.count > 1 ? "; most on \(conversation) (\(flows[0].packets))" : "")))
        }
        // The slowest hop by its median, beyond what the clock alignment could explain.
        let slow = p.hops.rows.filter { h in
            guard h.packets >= Self.pathDelayPackets, let p50 = h.delay.p50, let error = h.delayError else { return false }
            return p50 - error >= Self.pathDelayThreshold
        }
        if let hop = slow.max(by: { ($0.delay.p50 ?? 0, $1.from) < ($1.delay.p50 ?? 0, $0.from) }), let p50 = hop.delay.p50 {
            out.append(
                Finding(
                    id: "path.delay", severity: .warning, section: "path",
                    title: "+\(ms(p50)) between \(hop.from) and \(hop.to) (median of \(hop.packets) packets)",
                    detail: hop.delayError.map { $0 > 0 ? "clocks aligned within \(ms($0))" : "one clock" }))
        }
        return out
    }

    /// At least this many packets lost on a hop (one could be a packet the capture itself
    /// missed without saying so).
    static let pathLossMinimum = 2
    /// A hop whose median delay exceeds this (seconds) is slow: forwarding within a node takes
    /// microseconds and a data-centre link well under a millisecond; 10 ms is a queue or a
    /// shaper, not a wire.
    static let pathDelayThreshold = 0.010
    static let pathDelayPackets = 10
}
