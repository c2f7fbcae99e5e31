extension DNS {
    /// What the analyses need from a message: header facts, the first question, the
    /// effective rcode (with EDNS0's extension) and record counts. Records are walked and
    /// bounds-checked, so a message that decodes is whole.
    public struct Message: Hashable, Sendable {
        public var id: UInt16
        public var isResponse: Bool
        public var opcode: UInt8
        public var truncated: Bool
        /// 12-bit rcode: the header's 4 bits, extended by an OPT record's upper 8 (RFC 6891).
        public var rcode: UInt16
        public var questionName: String?
        /// Where the first question's name starts in the message (for callers that read it
        /// through `DNS.withPresentationName` instead of keeping its text).
        public var questionNameOffset: Int?
        public var questionType: UInt16?
        public var questionClass: UInt16?
        public var answers: Int
        public var hasOPT = false

        /// `keepingName: false` validates the first question's name without building its
        /// text (a String per message), for callers that match on ID and type alone.
        public init(_ view: View, keepingName: Bool = true) throws(DecodeError) {
            self.init(header: view)
            try readBody(view, keepingName: keepingName)
        }

        /// The header's facts whenever its 12 bytes are there, and the first question when it
        /// parses: a message cut by the snaplen or malformed after its header still has an ID,
        /// flags and rcode that pair it with its transaction, as tshark pairs it. The error is
        /// the first the body's walk met (nil for a whole message).
        public static func headerFirst(_ view: View, keepingName: Bool = true) -> (message: Message, error: DecodeError?) {
            var m = Message(header: view)
            do throws(DecodeError) {
                try m.readBody(view, keepingName: keepingName)
                return (m, nil)
            } catch {
                return (m, error)
            }
        }

        private init(header view: View) {
            id = view.id
            isResponse = view.isResponse
            opcode = view.opcode
            truncated = view.truncated
            rcode = view.headerRcode
            answers = view.answerCount
        }

        /// Questions, then records (the OPT record's extended rcode): each fact is set as soon
        /// as it is read, so a failure leaves those before it.
        private mutating func readBody(_ view: View, keepingName: Bool) throws(DecodeError) {
            let message = view.bytes
            var at = DNS.headerLength
            try DNS.requireEntryLimit(view)
            for q in 0..<view.questionCount {
                // Only the first question's text is kept; later ones are validated and skipped.
                let (name, next) =
                    q == 0 && keepingName
                    ? try DNS.readName(message, at: at) : (nil, try DNS.skipName(message, at: at))
                try message.dropFirst(next).require(4, .dns)
                if q == 0 {
                    questionName = name
                    questionNameOffset = at
                    questionType = message.u16(at: next)
                    questionClass = message.u16(at: next + 2)
                }
                at = next + 4
            }
            let records = view.answerCount + view.authorityCount + view.additionalCount
            for r in 0..<records {
                let header = try DNS.recordHeader(message, at: try DNS.skipName(message, at: at))
                if header.type == RecordType.opt && r >= view.answerCount + view.authorityCount {
                    // OPT: the TTL field carries the extended rcode's upper 8 bits.
                    hasOPT = true
                    rcode = UInt16(header.ttl >> 24) << 4 | (rcode & 0xF)
                }
                at = header.data.upperBound
            }
        }
    }
}
