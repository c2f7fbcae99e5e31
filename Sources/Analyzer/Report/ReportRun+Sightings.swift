import Reports

extension ReportRun {
    /// The sightings section: nil for inputs seen at one point without copies (their reports
    /// stay as they were).
    /// A point's `pod`: with pod metadata, the pod behind the interface: the one the node's
    /// agent found behind that veth (`ObservationPoints.podAddresses`), else the one told by
    /// the address its packets share (`PointAddresses.pods`).
    static func sightingsSection(_ s: Sightings, rows: Int, pods: PodDirectory? = nil) -> SightingsSection? {
        let points = s.points.points
        guard points.count > 1 || s.extra + s.duplicates > 0 else { return nil }
        let podOfPoint =
            pods.map { d in
                s.addresses.pods(points: points.count) { a in
                    if case .pod(let p)? = d.resolve(a, at: s.path.firstSeen) { d.pods[p].key } else { nil }
                }
            } ?? []
        func agentsPod(_ i: Int) -> String? {
            guard let d = pods else { return nil }
            for a in s.points.podAddresses[points[i].id] ?? [] {
                if case .pod(let p)? = d.resolve(a, at: s.path.firstSeen) { return d.pods[p].key }
            }
            return nil
        }
        let pointRows = points.indices.map { i in
            ObservationPointRow(
                id: points[i].id, node: points[i].node, interface: points[i].interface,
                pod: agentsPod(i) ?? (i < podOfPoint.count ? podOfPoint[i] : nil), packets: s.points.sightings[i])
        }
        // The first node's clock is the reference; another's offset is null when no packet
        // went both ways between it and the first (`NodeClocks`); a shift applied before the
        // pass (`ClockPrescan`) is part of it.
        let nodeRows = s.points.nodeNames.enumerated().map { i, name in
            let o = s.clockOffset(ofNode: i)
            return NodeClockRow(name: name, clockOffset: o?.offset, clockOffsetError: o?.error)
        }
        return SightingsSection(
            distinctPackets: s.distinct, extraSightings: s.extra, captureDuplicates: s.duplicates,
            natPairs: s.nat.joined,
            points: RowList(total: pointRows.count, rows: Array(pointRows.prefix(rows))),
            nodes: RowList(total: nodeRows.count, rows: Array(nodeRows.prefix(rows))))
    }

    /// Bounds of the sightings stage that were reached.
    static func sightingsWarnings(_ s: Sightings) -> [String] {
        var out: [String] = []
        if s.clocks.untracked > 0 {
            out.append(
                "\(s.clocks.untracked) packets seen on two nodes not used for clock offsets: more than "
                    + "\(NodeClocks.maximumPairs) node pairs")
        }
        if s.shortenedGenerations > 0 {
            out.append(
                "the sightings window was shortened \(s.shortenedGenerations) times: more than "
                    + "\(SightingTable.maximumSlots / 2) packets in half a window; copies further apart than the "
                    + "shortened window may count twice")
        }
        if s.unplaced > 0 {
            out.append("\(s.unplaced) packets not entered in the sightings table (probe bound): their copies count twice")
        }
        if s.nat.unjoined > 0 {
            out.append("\(s.nat.unjoined) NAT views not joined: more than \(NATViews.limit) flows were joined")
        }
        if s.points.overflowed > 0 {
            out.append("more than \(ObservationPoints.maximumPoints) observation points: the rest share the last one")
        }
        return out
    }
}
