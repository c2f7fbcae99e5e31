import Dissectors
import Reports

extension ReportRun {
    /// The path section (`PathTracker`): nil unless some packet was seen at two points. Hops
    /// between nodes are shifted by the nodes' estimated clock offset; losses to a point that
    /// cannot tell (its capture dropped packets) are moved to `unverified`.
    static func pathSection(
        _ s: Sightings, rows: Int, directory: PodDirectory?,
        kernel: KernelEventSummary?
    ) -> PathSection? {
        let path = s.path
        guard !path.hops.isEmpty else { return nil }
        let ids = s.points.points.map(\.id)
        let nodeOf = s.points.nodeOfPoint
        func id(_ p: Int) -> String { p < ids.count ? ids[p] : "point \(p)" }
        // Losses to a point whose capture dropped packets are not the path's.
        var unverified = path.notCapturing
        var lossRows: [PathLossRow] = []
        // The kernel's drops that say nothing of the path (a promiscuous capture's OTHERHOST, a
        // closing socket's QUEUE_PURGE, ...) are left out of the join.
        let unremarkable = FindingsBuilder.unremarkableDrops
        for (key, loss) in path.losses {
            if s.droppingPoints.contains(Int(key.to)) {
                unverified += loss.packets
                continue
            }
            let k = key.flow
            let (client, server) = SummaryRun.endpoints(k, clientIsLow: loss.clientLow)
            let (clientAddress, serverAddress) = loss.clientLow ? (k.lowAddress, k.highAddress) : (k.highAddress, k.lowAddress)
            func pod(_ a: IPAddress) -> String? { directory.flatMap { d in d.resolve(a, at: loss.first).map(d.name) } }
            let row = PathLossRow(
                client: client, server: server, clientPod: pod(clientAddress), serverPod: pod(serverAddress),
                from: id(Int(key.from)), to: id(Int(key.to)), packets: loss.packets,
                kernelReasons: (kernel?.dropsByFlow[k] ?? [:]).filter { !unremarkable.contains($0.key) })
            lossRows.append(row)
        }
        let hops = path.hops.map { h -> PathHopRow in
            let (a, b) = (h.from < nodeOf.count ? nodeOf[h.from] : 0, h.to < nodeOf.count ? nodeOf[h.to] : 0)
            var shift: Int64 = 0
            var error: Double? = 0
            if a != b {
                if let oa = s.clocks.offset(ofNode: a), let ob = s.clocks.offset(ofNode: b) {
                    shift = Int64(((ob.offset - oa.offset) * 1e9).rounded())
                    error = oa.error + ob.error
                } else {
                    error = nil
                }
            }
            return PathHopRow(
                from: id(h.from), to: id(h.to), packets: h.packets, delay: h.delays.percentiles(minus: shift),
                delayError: error, lost: s.droppingPoints.contains(h.to) ? 0 : h.lost)
        }.sorted { ($0.packets, $1.from, $1.to) > ($1.packets, $0.from, $0.to) }
        // A hop's lost packets past the row bound count in the hop; those to a dropping point do not.
        let losses = lossRows.sorted {
            ($0.packets, $1.from, $1.to, $1.client, $1.server) > ($1.packets, $0.from, $0.to, $0.client, $0.server)
        }
        return PathSection(
            hops: RowList(total: hops.count, rows: Array(hops.prefix(rows))),
            losses: RowList(total: losses.count, rows: Array(losses.prefix(rows))),
            unverified: unverified)
    }

    /// Bounds of the path that were reached.
    static func pathWarnings(_ p: PathTracker) -> [String] {
        var out: [String] = []
        if p.untrackedHops > 0 {
            out.append("\(p.untrackedHops) sightings on hops past the first \(PathTracker.maximumHops) not counted in path.hops")
        }
        if p.unrowedLosses > 0 {
            out.append(
                "\(p.unrowedLosses) lost packets counted in their hop only: more than \(PathTracker.maximumLossRows) (flow, hop) rows"
            )
        }
        return out
    }
}
