/// One line of `loupe report --format ndjson`: a record of one kind (`connection`, `dns`,
/// `tls`, `http`, `kernelEvent`), its stable `recordId`, and the fields of its row (with the pods at both
/// ends when the metadata names them), all at the top level (`docs/records/*.schema.json`). The ids:
/// a connection's is its `tcp.flows[].id` (and the id in findings' `evidence.flows`); a DNS
/// transaction's is its `dns.transactionList.rows[].recordId`, a TLS session's its
/// `tls.sessions.rows[].recordId`, an API request's its `apiServer.requests.rows[].recordId`;
/// a kernel event's names its file and place.
public struct RecordLine<Row: Encodable>: Encodable {
    public var record: String
    public var recordId: String
    public var row: Row

    public init(record: String, recordId: String, row: Row) {
        self.record = record
        self.recordId = recordId
        self.row = row
    }

    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ s: String) { stringValue = s }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    /// The row's members, then `record` and `recordId` (a row's own `recordId`, the same id,
    /// is replaced: one member per key).
    public func encode(to encoder: any Encoder) throws {
        try row.encode(to: encoder)
        var c = encoder.container(keyedBy: Key.self)
        try c.encode(record, forKey: Key("record"))
        try c.encode(recordId, forKey: Key("recordId"))
    }
}
