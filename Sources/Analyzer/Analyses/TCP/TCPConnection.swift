import Dissectors

/// One TCP connection (a tshark `tcp.stream`): both directions' sequence state, the
/// handshake timing, counters and Zeek state. Directions are the flow key's low and high
/// endpoints; `clientIsLow` says which is the client.
struct TCPConnection {
    var low = TCPDirection()
    var high = TCPDirection()
    var counts = TCPCounts()
    var zeek = ZeekConnState()
    /// The initial RTT measured from the most recent SYN without ACK to the first ACK
    /// without SYN (0: not yet, as in tshark), tshark's `tcp.analysis.initial_rtt`, and the
    /// time of that SYN (an optional's tag byte, then the flag: last, where nothing pads it).
    var initialRTT: Int64 = 0
    var mostRecentSyn: Int64?
    var reusedPorts = false

    /// True when a SYN without ACK from this side carries a new initial sequence number:
    /// tshark 4.0 starts a new stream then ("TCP Port numbers reused").
    static func startsNewStream(_ c: TCPConnection, fromLow: Bool, flags: UInt8, sequence: UInt32) -> Bool {
        guard flags & 0x12 == 0x02 else { return false }
        // Fields read in place: a copy of a direction retains its unacknowledged list.
        return fromLow
            ? c.low.baseSequenceSet && c.low.baseSequence != sequence
            : c.high.baseSequenceSet && c.high.baseSequence != sequence
    }

    /// Analyses one segment. Returns its analysis flags and an ACK RTT sample, if any.
    mutating func process(
        _ s: TCPSequenceAnalysis.Segment, fromLow: Bool, clientIsLow: Bool,
        options: TCP.Options?, wireLength: Int
    ) -> (TCPAnalysisFlags, Int64?) {
        var result: (flags: TCPAnalysisFlags, ackRTT: Int64?)
        if s.rst && zeek.resetKind == nil {
            zeek.resetKind = TCPResetKind.classify(
                fromOriginator: fromLow == clientIsLow, zeek: zeek,
                sender: fromLow ? low : high, peer: fromLow ? high : low)
        }
        if fromLow {
            result = TCPSequenceAnalysis.analyze(s, fwd: &low, rev: &high, initialRTT: initialRTT)
        } else {
            result = TCPSequenceAnalysis.analyze(s, fwd: &high, rev: &low, initialRTT: initialRTT)
        }
        if s.syn { applyWindowScale(options, fromLow: fromLow, synAck: s.hasAck) }
        if s.syn && !s.hasAck { mostRecentSyn = s.time }
        if !s.syn && s.hasAck && initialRTT == 0, let syn = mostRecentSyn { initialRTT = s.time &- syn }
        if reusedPorts && counts.packets == 0 { result.flags.insert(.reusedPorts) }

        counts.count(result.flags, length: s.length, rst: s.rst, wire: wireLength)
        zeek.update(
            fromOriginator: fromLow == clientIsLow, syn: s.syn, ack: s.hasAck, fin: s.fin, rst: s.rst,
            payload: Int(s.length), retransmission: result.flags.isAnyRetransmission,
            zeroWindow: result.flags.contains(.zeroWindow))
        return (result.flags, result.ackRTT)
    }

    /// Window scaling counts only once both SYNs carried the option (RFC 7323 2.2):
    /// Wireshark's `verify_tcp_window_scaling`.
    private mutating func applyWindowScale(_ options: TCP.Options?, fromLow: Bool, synAck: Bool) {
        // The shifts alone, not the directions: a copy of a direction retains its list.
        var fwd = fromLow ? low.windowShift : high.windowShift
        var rev = fromLow ? high.windowShift : low.windowShift
        if let shift = options?.effectiveWindowShift { fwd = Int8(shift) }
        if fwd == -1 {
            fwd = -2
            rev = -2
        } else if synAck && rev == -2 {
            fwd = -2
        }
        if fromLow { low.windowShift = fwd; high.windowShift = rev } else { high.windowShift = fwd; low.windowShift = rev }
    }
}
