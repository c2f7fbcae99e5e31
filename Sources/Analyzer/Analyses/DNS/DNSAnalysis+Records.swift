import Foundation
import CaptureFormats
import Dissectors
import Reports

extension DNSAnalysis {
    /// A transaction's row (`dns.transactionList`, and its NDJSON record).
    func row(_ t: Transaction) -> DNSTransactionRow {
        let client = t.client, time = t.timestamp.decimalString
        var row = DNSTransactionRow(
            timestamp: Decimal(string: time) ?? Decimal(t.timestamp.doubleValue), client: client,
            server: t.server, transport: t.transport, id: Int(t.id), qname: names.text(t.qname),
            qtype: DNS.RecordType.name(t.qtype), rcode: t.rcode.map(DNS.rcodeName),
            latency: t.latency.map { Double($0) / 1e9 })
        row.recordId = "dns-" + client + "-" + String(t.id) + "-" + time
        return row
    }

    /// A closed transaction as an NDJSON record, with the pods at both ends at its query.
    func record(_ t: Transaction, _ records: RecordWriter) {
        var row = row(t)
        if let pods {
            let time = t.timestamp.saturatingNanoseconds
            for (address, isClient) in [(t.clientAddress, true), (t.serverAddress, false)] {
                guard case .pod(let p)? = pods.resolve(address, at: time) else { continue }
                if isClient { row.clientPod = pods.pods[p].key } else { row.serverPod = pods.pods[p].key }
            }
        }
        records.write(RecordLine(record: "dns", recordId: row.recordId ?? "", row: row))
    }
}
