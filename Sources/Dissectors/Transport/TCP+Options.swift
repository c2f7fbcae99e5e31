extension TCP {
    /// The options Loupe's analyses use (RFC 9293 3.2, RFC 7323, RFC 2018), read from the
    /// option bytes of one segment. Unknown kinds are skipped by their length; a length
    /// that runs past the header ends the walk (the options read so far stand).
    public struct Options: Hashable, Sendable {
        public var maximumSegmentSize: UInt16?
        /// The shift count as sent (RFC 7323 caps its use at 14; see `effectiveWindowShift`).
        public var windowScale: UInt8?
        public var sackPermitted = false
        /// SACK blocks in this segment.
        public var sackBlocks = 0
        public var timestampValue: UInt32?
        public var timestampEcho: UInt32?
        /// True when an option's length was invalid.
        public var malformed = false

        public init() {}

        /// RFC 7323 2.3: a shift above 14 is used as 14.
        public var effectiveWindowShift: UInt8? { windowScale.map { Swift.min($0, 14) } }

        public init(_ bytes: ByteSlice) {
            var at = 0
            while at < bytes.count {
                let kind = bytes.u8(at: at)
                if kind == 0 { break }  // end of option list
                if kind == 1 { at += 1; continue }  // no-operation
                guard at + 1 < bytes.count else { malformed = true; break }
                let length = Int(bytes.u8(at: at + 1))
                guard length >= 2, at + length <= bytes.count else { malformed = true; break }
                switch (kind, length) {
                case (2, 4): maximumSegmentSize = bytes.u16(at: at + 2)
                case (3, 3): windowScale = bytes.u8(at: at + 2)
                case (4, 2): sackPermitted = true
                case (5, _): sackBlocks += (length - 2) / 8
                case (8, 10):
                    timestampValue = bytes.u32(at: at + 2)
                    timestampEcho = bytes.u32(at: at + 6)
                default: break
                }
                at += length
            }
        }
    }
}
