extension DNS {
    /// A message's questions and records together may number at most `maximumRecords`
    /// (checked before any is walked, so a lying count costs nothing).
    static func requireEntryLimit(_ view: View) throws(DecodeError) {
        let total = view.questionCount + view.answerCount + view.authorityCount + view.additionalCount
        guard total <= maximumRecords else {
            throw DecodeError(.limit, .dns, at: view.bytes.frameOffset + 4, value: total, limit: maximumRecords)
        }
    }

    /// Where the answer section starts: after the questions, each walked and bounds-checked
    /// (the entry limit checked first).
    static func firstRecord(_ view: View) throws(DecodeError) -> Int {
        try requireEntryLimit(view)
        var at = DNS.headerLength
        for _ in 0..<view.questionCount {
            at = try skipName(view.bytes, at: at) + 4
            try view.bytes.require(at, .dns)
        }
        return at
    }

    /// The fixed part of a record whose owner name ends at `next`: type, class, TTL and the
    /// range of its data, which must end within the message.
    static func recordHeader(
        _ message: ByteSlice, at next: Int
    ) throws(DecodeError)
        -> (type: UInt16, recordClass: UInt16, ttl: UInt32, data: Range<Int>)
    {
        try message.dropFirst(next).require(10, .dns)
        let length = Int(message.u16(at: next + 8))
        let start = next + 10
        guard start + length <= message.count else {
            throw DecodeError(
                .badLength, .dns, at: message.frameOffset + next + 8, value: length,
                limit: message.count - start)
        }
        return (message.u16(at: next), message.u16(at: next + 2), message.u32(at: next + 4), start..<start + length)
    }
}

extension DNS {
    /// The addresses in a response's answer section (A and AAAA records, in message order), at
    /// most `limit`; empty when the message does not walk whole. Retina's DNS series label a
    /// response with them (`response`).
    public static func answerAddresses(_ view: View, limit: Int = 16) -> [IPAddress] {
        do throws(DecodeError) {
            let message = view.bytes
            var at = try firstRecord(view)
            var out: [IPAddress] = []
            for _ in 0..<view.answerCount where out.count < limit {
                let h = try recordHeader(message, at: try skipName(message, at: at))
                if h.type == RecordType.a && h.data.count == 4 {
                    out.append(IPAddress(v4: message.u32(at: h.data.lowerBound)))
                } else if h.type == RecordType.aaaa && h.data.count == 16 {
                    out.append(IPAddress(high: message.u64(at: h.data.lowerBound), low: message.u64(at: h.data.lowerBound + 8)))
                }
                at = h.data.upperBound
            }
            return out
        } catch {
            return []
        }
    }
}
