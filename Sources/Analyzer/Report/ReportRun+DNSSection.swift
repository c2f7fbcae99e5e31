import Dissectors
import Reports

/// The `dns` section, from the DNS analysis at its end (on the DNS thread when it has one:
/// `DNSStage`'s epilogue).
extension ReportRun {
    static func dnsSection(_ dns: DNSAnalysis, rows: Int) -> DNSSection {
        let textChains = dns.searchPath.textChains(dns.names)
        let chains = textChains.map { key, value in
            SearchPathRow(
                client: key.client.text, name: key.base, resolvedAs: key.resolvedAs, chains: value.count,
                wastedQueries: value.wasted, timeLost: Double(value.lost) / 1e9)
        }.sorted { ($0.wastedQueries, $1.client, $1.name) > ($1.wastedQueries, $0.client, $0.name) }
        let wasted = chains.reduce(0) { $0 + $1.wastedQueries }
        let searchPath = SearchPathSection(
            clusterDomain: dns.searchPath.clusterDomain, chains: chains.reduce(0) { $0 + $1.chains },
            wastedQueries: wasted, timeLost: Double(textChains.values.reduce(Int64(0)) { $0 &+ $1.lost }) / 1e9,
            names: RowList(total: chains.count, rows: Array(chains.prefix(rows))),
            advice: wasted == 0
                ? nil
                : "\(wasted) queries went to search-path expansions that failed (ndots:5): "
                    + "ask for fully qualified names with a trailing dot (e.g. \"\(chains[0].name).\"), or lower ndots in "
                    + "the pod's dnsConfig (options: [{name: ndots, value: \"2\"}]).")
        var section = DNSSection(
            queries: dns.queries, responses: dns.responses, transactions: dns.transactions, unanswered: dns.unanswered,
            retransmissions: dns.retransmissions, duplicateResponses: dns.duplicateResponses,
            responsesWithoutQuery: dns.responsesWithoutQuery, truncatedResponses: dns.truncatedResponses,
            truncatedRetriedOverTcp: dns.fallback.retried, tcpFallbackLatency: dns.fallback.latency.percentiles,
            malformed: dns.malformed, malformedExamples: dns.malformedExamples, rcodes: dns.rcodes, qtypes: dns.qtypes,
            latency: dns.latency.percentiles,
            transactionList: RowList(total: dns.worst.seen, rows: dns.worst.sorted().map(dns.row)), searchPath: searchPath,
            byServer: groupRows(dns.byServer, rows, name: \.text), byClient: groupRows(dns.byClient, rows, name: \.text),
            byName: groupRows(dns.byName, rows, name: dns.names.text),
            topNXDOMAIN: nameCounts(dns.nxdomainNames.counts, rows, name: dns.names.text),
            topSERVFAIL: nameCounts(dns.servfailNames.counts, rows, name: dns.names.text))
        section.truncatedMessages = dns.truncatedMessages
        section.tcpStreamGaps = dns.tcpStreams.gaps
        return section
    }

    static func groupRows<Key>(_ groups: DNSGroups<Key>, _ rows: Int, name: (Key) -> String) -> RowList<DNSGroupRow> {
        func row(_ key: String, _ g: DNSGroups<Key>.Group) -> DNSGroupRow {
            DNSGroupRow(
                key: key, transactions: g.transactions, unanswered: g.unanswered, errors: g.errors,
                latency: g.latency.percentiles)
        }
        // Percentiles only for the rows listed: sort the keys by transactions first.
        var keyed = groups.groups.map { (name($0.key), $0.value) }
        if let other = groups.other { keyed.append(("(other)", other)) }
        keyed.sort { ($0.1.transactions, $1.0) > ($1.1.transactions, $0.0) }
        let all = keyed.prefix(rows).map { row($0.0, $0.1) }
        return RowList(total: keyed.count, rows: all)
    }

    static func nameCounts<Key>(_ counts: [Key: Int], _ rows: Int, name: (Key) -> String) -> RowList<NameCount> {
        let all = counts.map { NameCount(name: name($0.key), count: $0.value) }
            .sorted { ($0.count, $1.name) > ($1.count, $0.name) }
        return RowList(total: all.count, rows: Array(all.prefix(rows)))
    }
}
