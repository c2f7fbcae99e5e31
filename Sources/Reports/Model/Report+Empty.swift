extension Report {
    /// A report of nothing: every section present with zero counts and empty lists. `loupe
    /// check` reads its shape to check a rule's value names before any capture is read.
    public static var empty: Report {
        let none = Percentiles.empty
        func rows<T>() -> RowList<T> { RowList(total: 0, rows: []) }
        let tcp = TCPSection(
            connections: 0, retransmissions: 0, fastRetransmissions: 0, spuriousRetransmissions: 0,
            outOfOrder: 0, duplicateAcks: 0, zeroWindows: 0, zeroWindowProbes: 0, lostSegments: 0,
            ackedUnseenSegments: 0, keepAlives: 0, windowFull: 0, resets: 0, retransmissionRate: 0,
            initialRtt: none, ackRtt: .init(clientToServer: none, serverToClient: none), flows: rows())
        let dns = DNSSection(
            queries: 0, responses: 0, transactions: 0, unanswered: 0, retransmissions: 0, duplicateResponses: 0,
            responsesWithoutQuery: 0, truncatedResponses: 0, truncatedRetriedOverTcp: 0,
            tcpFallbackLatency: none, malformed: 0, malformedExamples: [], rcodes: [:], qtypes: [:],
            latency: none, transactionList: rows(),
            searchPath: SearchPathSection(
                clusterDomain: "", chains: 0, wastedQueries: 0, timeLost: 0,
                names: rows(), advice: nil),
            byServer: rows(), byClient: rows(), byName: rows(), topNXDOMAIN: rows(), topSERVFAIL: rows())
        return Report(
            inputs: [], packets: 0, bytes: 0, filter: nil, matchedPackets: 0, malformedPackets: 0,
            flowTable: FlowTableStats(flows: 0, peakLive: 0, expired: 0, evicted: 0, maximumLive: 0), warnings: [],
            tcp: tcp, dns: dns, tls: TLSSection())
    }
}
