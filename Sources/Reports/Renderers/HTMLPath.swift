import Plot

/// The HTML report's path section: observation points, each hop's packets and delay, and the
/// flows whose packets were lost between two points (`PathSection`). Absent for a capture at
/// one point.
enum HTMLPath {
    static func section(_ s: SightingsSection?, _ p: PathSection?) -> Node<HTML.BodyContext>? {
        guard let s else { return nil }
        let ms = HTMLRenderer.ms
        let hops = (p?.hops.rows ?? []).map { h in
            [
                h.from, h.to, "\(h.packets)", ms(h.delay.p50), ms(h.delay.p99), ms(h.delay.max),
                h.delayError.map { ms($0) } ?? "clocks not aligned", "\(h.lost)",
            ]
        }
        let losses = (p?.losses.rows ?? []).map { l in
            [
                l.clientPod ?? l.client, l.serverPod ?? l.server, l.from, l.to, "\(l.packets)",
                l.kernelReasons.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "),
            ]
        }
        return .group(
            .h2(.id("path-section"), "Path"),
            HTMLRenderer.summary([
                ("observation points", "\(s.points.total)"), ("packets", "\(s.distinctPackets)"),
                ("extra sightings", "\(s.extraSightings)"), ("capture duplicates", "\(s.captureDuplicates)"),
                ("NAT views joined", "\(s.natPairs)"),
                ("not counted as lost", "\(p?.unverified ?? 0) (the next point could not tell)"),
            ]),
            HTMLRenderer.table(
                "points", ["point", "node", "interface", "pod", "packets"],
                s.points.rows.map { [$0.id, $0.node, $0.interface, $0.pod ?? "", "\($0.packets)"] },
                omitted: s.points.omitted),
            HTMLRenderer.table(
                "hops", ["from", "to", "packets", "p50 ms", "p99 ms", "max ms", "± ms", "lost"], hops,
                omitted: p?.hops.omitted ?? 0),
            .if(
                !losses.isEmpty,
                HTMLRenderer.table(
                    "losses", ["client", "server", "from", "to", "lost", "kernel drops"], losses,
                    omitted: p?.losses.omitted ?? 0)))
    }
}
