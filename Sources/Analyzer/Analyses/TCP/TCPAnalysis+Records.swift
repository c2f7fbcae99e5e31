import Reports

extension TCPAnalysis {
    /// A finished connection as an NDJSON record: its `tcp.flows` row, its id that row's, and
    /// the pods at both ends (as the metadata names them at its first packet).
    func record(_ f: Finished, _ owners: FlowOwners?, _ records: RecordWriter) {
        var row = ReportRun.row(f)
        let ends = owners?.of(clientIsLow: f.flow.clientIsLow)
        func pod(_ owner: PodDirectory.Owner?) -> String? {
            guard case .pod(let p)? = owner, let directory else { return nil }
            return directory.pods[p].key
        }
        (row.clientPod, row.serverPod) = (pod(ends?.client), pod(ends?.server))
        records.write(RecordLine(record: "connection", recordId: row.id, row: row))
    }
}
