/// What the sequence analysis remembers about one direction of a connection (Wireshark's
/// `tcp_flow_t` and `tcp_analyze_seq_flow_info_t`). Sequence numbers are absolute; 0 in
/// `nextSequence`, `lastAck` and `maxSequenceToBeAcked` means "not seen yet", exactly as
/// in Wireshark (a real 0 after wraparound is read the same way, as tshark does).
struct TCPDirection {
    // Declared widest first: Swift lays fields out in this order, and the first order (a
    // flag before each 32-bit pair) padded the two directions of every connection by 32
    // bytes (measured: TCPConnection 304 -> 264 bytes, thousands held 60 s after close).
    var nextSequenceTime: Int64 = 0
    var lastAckTime: Int64 = 0
    /// Segments sent and not yet acknowledged, oldest first, for ACK RTT. Bounded: the
    /// oldest is dropped past `maximumUnacked` (Wireshark keeps up to 10,000).
    var unacked: [Unacked] = []
    var baseSequence: UInt32 = 0
    /// Highest sequence number seen plus segment length (SYN and FIN count one).
    var nextSequence: UInt32 = 0
    var lastAck: UInt32 = 0
    var maxSequenceToBeAcked: UInt32 = 0
    /// Raw window field of the last segment; UInt32.max until one is seen, so no probe is
    /// read against a window nobody advertised.
    var window: UInt32 = .max
    /// Duplicate ACKs in a row. Unsigned on purpose: tshark 4.0 stores -1 here after an
    /// "ACKed unseen segment" (to neutralise it), which an unsigned field reads as huge, so
    /// the peer's next repeated segment counts as a fast retransmission. Matched per frame
    /// against tshark on the corpus (zeek/reassembly.pcap frames 8, 10, 12).
    var duplicateAcks: UInt32 = 0
    static let neutralisedDuplicateAcks = UInt32.max
    var lastSegmentFlags = TCPAnalysisFlags()
    /// -1: not known (no SYN seen); -2: no scaling in use; else the shift.
    var windowShift: Int8 = -1
    var baseSequenceSet = false
    static let maximumUnacked = 64

    struct Unacked {
        var sequence: UInt32
        var next: UInt32
        var time: Int64
    }
}
