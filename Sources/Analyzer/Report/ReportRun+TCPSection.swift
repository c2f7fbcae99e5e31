import CaptureFormats
import Reports

/// The `tcp` section, from the TCP analysis at the pass's end.
extension ReportRun {
    static func tcpSection(_ tcp: TCPAnalysis) -> TCPSection {
        let t = tcp.totals
        var section = TCPSection(
            connections: tcp.streams, retransmissions: Int(t.retransmissions),
            fastRetransmissions: Int(t.fastRetransmissions), spuriousRetransmissions: Int(t.spuriousRetransmissions),
            outOfOrder: Int(t.outOfOrder), duplicateAcks: Int(t.duplicateAcks), zeroWindows: Int(t.zeroWindows),
            zeroWindowProbes: Int(t.zeroWindowProbes), lostSegments: Int(t.lostSegments),
            ackedUnseenSegments: Int(t.ackedUnseenSegments), keepAlives: Int(t.keepAlives),
            windowFull: Int(t.windowFull), resets: Int(t.resets), retransmissionRate: t.retransmissionRate,
            initialRtt: tcp.initialRTT.percentiles,
            ackRtt: .init(
                clientToServer: tcp.ackRTTClientToServer.percentiles,
                serverToClient: tcp.ackRTTServerToClient.percentiles),
            flows: RowList(total: tcp.worst.seen, rows: tcp.worst.sorted().map(row)))
        section.midStreamConnections = tcp.midStream
        section.oneSidedConnections = tcp.oneSided
        for kind in TCPResetKind.allCases where tcp.resetKinds[Int(kind.rawValue)] > 0 {
            section.resetsByKind[kind.name] = tcp.resetKinds[Int(kind.rawValue)]
        }
        return section
    }

    static func row(_ f: TCPAnalysis.Finished) -> TCPFlowRow {
        let (client, server) = SummaryRun.endpoints(f.flow)
        let first = Timestamp(seconds: f.flow.firstSecond, nanoseconds: f.flow.firstNanosecond)
        let c = f.counts
        var row = TCPFlowRow(
            id: FlowID.make(transport: "tcp", client: client, server: server, first: first), client: client,
            server: server, firstTimestamp: SummaryRun.decimal(first),
            duration: Double(f.flow.lastSeen &- f.flow.firstSeen) / 1e9, packets: Int(c.packets), bytes: c.bytes,
            payloadBytes: c.payloadBytes, retransmissions: Int(c.retransmissions),
            fastRetransmissions: Int(c.fastRetransmissions), spuriousRetransmissions: Int(c.spuriousRetransmissions),
            outOfOrder: Int(c.outOfOrder), duplicateAcks: Int(c.duplicateAcks), zeroWindows: Int(c.zeroWindows),
            lostSegments: Int(c.lostSegments), resets: Int(c.resets),
            retransmissionRate: c.retransmissionRate, initialRtt: f.initialRTT == 0 ? nil : Double(f.initialRTT) / 1e9,
            connState: f.zeek.connState, history: f.zeek.history, resetBy: f.zeek.resetBy)
        row.resetKind = f.zeek.resetKind?.name
        row.retransmittedFrames = f.retransmittedFrames
        return row
    }
}
