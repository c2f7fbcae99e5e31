/// Wireshark 4.0's TCP sequence analysis (`tcp_analyze_sequence_number` in packet-tcp.c),
/// rule for rule and in its order of precedence, so that Loupe counts exactly what tshark
/// counts. Each rule is a small function over the two directions' state.
enum TCPSequenceAnalysis {
    /// A segment as the analysis sees it.
    struct Segment {
        var sequence: UInt32
        var ack: UInt32
        /// Payload bytes the headers declare (`tcp.len`), even if the snaplen cut them.
        var length: UInt32
        var flags: UInt8
        /// The raw window field (unscaled).
        var window: UInt32
        var time: Int64

        var syn: Bool { flags & 0x02 != 0 }
        var fin: Bool { flags & 0x01 != 0 }
        var rst: Bool { flags & 0x04 != 0 }
        var hasAck: Bool { flags & 0x10 != 0 }
        var synFinRst: Bool { flags & 0x07 != 0 }
    }

    /// Two packets within this of the reverse direction's last ACK, after two duplicate
    /// ACKs, make a fast retransmission (Wireshark: 20 ms, fixed).
    static let fastRetransmitWindow: Int64 = 20_000_000
    /// Out-of-order threshold until the initial RTT is known (Wireshark: 3 ms).
    static let defaultOutOfOrderThreshold: Int64 = 3_000_000

    /// Analyses one segment travelling `fwd`; `rev` is the other direction. `initialRTT`
    /// (0 when unknown) sets the out-of-order threshold. Returns the segment's flags and,
    /// when this segment acknowledges one exactly, the ACK RTT sample.
    static func analyze(
        _ s: Segment, fwd: inout TCPDirection, rev: inout TCPDirection,
        initialRTT: Int64
    ) -> (flags: TCPAnalysisFlags, ackRTT: Int64?) {
        var flags = TCPAnalysisFlags()
        if !fwd.baseSequenceSet {
            fwd.baseSequence = s.syn ? s.sequence : s.sequence &- 1
            fwd.baseSequenceSet = true
        }
        if !rev.baseSequenceSet && s.hasAck {
            rev.baseSequence = s.ack &- 1
            rev.baseSequenceSet = true
        }

        forward: do {
            if isZeroWindowProbe(s, fwd, rev) {
                flags.insert(.zeroWindowProbe)
                break forward
            }
            if s.window == 0 && !s.synFinRst { flags.insert(.zeroWindow) }
            if isLostSegment(s, fwd) { flags.insert(.lostSegment) }
            if isKeepAlive(s, fwd) { flags.insert(.keepAlive) }
            if isWindowUpdate(s, fwd) { flags.insert(.windowUpdate) }
            if isWindowFull(s, rev) { flags.insert(.windowFull) }
            if repeatsAck(s, fwd) && s.window != 0 && rev.lastSegmentFlags.contains(.keepAlive) {
                flags.insert(.keepAliveAck)
                break forward
            }
            if repeatsAck(s, fwd) && s.window == 0 && rev.lastSegmentFlags.contains(.zeroWindowProbe) {
                flags.insert(.zeroWindowProbeAck)
                break forward
            }
            if repeatsAck(s, fwd) && s.window != 0 {
                fwd.duplicateAcks = fwd.duplicateAcks == TCPDirection.neutralisedDuplicateAcks ? 1 : fwd.duplicateAcks &+ 1
                flags.insert(.duplicateAck)
            }
        }
        // A new ACK number resets the duplicate count.
        if s.ack != fwd.lastAck { fwd.duplicateAcks = 0 }

        if rev.maxSequenceToBeAcked != 0 && SequenceNumber.greater(s.ack, rev.maxSequenceToBeAcked) && s.hasAck {
            // ACKed unseen segment, as tshark 4.0 decides it (derived frame by frame from its
            // output on the corpus, e.g. zeek/reassembly.pcap frames 8, 10, 86, 88 flagged and
            // 12, 105 not): if the peer sent data past the mark since, flag and move the mark;
            // otherwise flag only the first time, and neutralise the peer's duplicate ACKs.
            if SequenceNumber.less(rev.maxSequenceToBeAcked, rev.nextSequence) {
                rev.maxSequenceToBeAcked = rev.nextSequence
                flags.insert(.ackedUnseenSegment)
            } else {
                if rev.duplicateAcks == 0 { flags.insert(.ackedUnseenSegment) }
                rev.duplicateAcks = TCPDirection.neutralisedDuplicateAcks
            }
        }

        if s.length > 0 || s.syn || s.fin, !flags.contains(.keepAlive) {
            if let kind = retransmissionKind(s, fwd, rev, initialRTT: initialRTT) { flags.insert(kind) }
        }

        record(s, flags, &fwd)
        let rtt = acknowledge(s.ack, at: s.time, in: &rev)
        return (flags, rtt)
    }

    // MARK: - The rules

    /// One byte at the next expected sequence number into a zero window.
    static func isZeroWindowProbe(_ s: Segment, _ fwd: TCPDirection, _ rev: TCPDirection) -> Bool {
        s.length == 1 && s.sequence == fwd.nextSequence && rev.window == 0
    }

    /// The segment starts past everything seen: something in between was not captured.
    static func isLostSegment(_ s: Segment, _ fwd: TCPDirection) -> Bool {
        fwd.nextSequence != 0 && SequenceNumber.greater(s.sequence, fwd.nextSequence) && !s.rst
    }

    /// 0 or 1 byte starting one byte before the next expected sequence number.
    static func isKeepAlive(_ s: Segment, _ fwd: TCPDirection) -> Bool {
        s.length <= 1 && s.sequence == fwd.nextSequence &- 1 && !s.synFinRst
    }

    /// A pure ACK repeating sequence and ACK numbers with a new, non-zero window.
    static func isWindowUpdate(_ s: Segment, _ fwd: TCPDirection) -> Bool {
        s.length == 0 && s.window != 0 && s.window != fwd.window && s.sequence == fwd.nextSequence
            && s.ack == fwd.lastAck && !s.synFinRst
    }

    /// Data reaching exactly the edge of the window the receiver advertised.
    static func isWindowFull(_ s: Segment, _ rev: TCPDirection) -> Bool {
        guard s.length > 0, rev.windowShift != -1, !s.synFinRst else { return false }
        let shift = rev.windowShift == -2 ? 0 : UInt32(rev.windowShift)
        return s.sequence &+ s.length == rev.lastAck &+ (rev.window &<< shift)
    }

    /// A pure ACK repeating the same window, sequence and ACK numbers (the common part of
    /// duplicate ACK, keep-alive ACK and zero-window-probe ACK).
    static func repeatsAck(_ s: Segment, _ fwd: TCPDirection) -> Bool {
        s.length == 0 && s.window == fwd.window && s.sequence == fwd.nextSequence && s.ack == fwd.lastAck
            && !s.synFinRst
    }

    /// For data (or SYN/FIN) that does not advance the sequence: fast retransmission,
    /// out-of-order, spurious retransmission or retransmission, in that precedence.
    static func retransmissionKind(
        _ s: Segment, _ fwd: TCPDirection, _ rev: TCPDirection,
        initialRTT: Int64
    ) -> TCPAnalysisFlags? {
        var notAdvanced = fwd.nextSequence != 0 && SequenceNumber.less(s.sequence, fwd.nextSequence)
        // New data right after a possible zero-window probe byte is not a retransmission.
        if s.length > 1 && fwd.nextSequence &- 1 == s.sequence { notAdvanced = false }

        // Elapsed times are unsigned, as in Wireshark: time running backwards is never "soon".
        if notAdvanced && rev.duplicateAcks >= 2 && rev.lastAck == s.sequence
            && UInt64(bitPattern: s.time &- rev.lastAckTime) < UInt64(fastRetransmitWindow)
        {
            return .fastRetransmission
        }
        let threshold = initialRTT != 0 ? initialRTT : defaultOutOfOrderThreshold
        // SYN and FIN occupy one sequence number: a repeated FIN is not out of order.
        let end = s.sequence &+ s.length &+ (s.syn || s.fin ? 1 : 0)
        if notAdvanced && UInt64(bitPattern: s.time &- fwd.nextSequenceTime) < UInt64(bitPattern: threshold)
            && fwd.nextSequence != end
        {
            return .outOfOrder
        }
        if s.length > 0 && rev.lastAck != 0 && SequenceNumber.lessOrEqual(s.sequence &+ s.length, rev.lastAck) {
            return .spuriousRetransmission
        }
        return notAdvanced ? .retransmission : nil
    }

    // MARK: - State updates

    /// Remembers what this segment tells about its own direction.
    static func record(_ s: Segment, _ flags: TCPAnalysisFlags, _ fwd: inout TCPDirection) {
        var next = s.sequence &+ s.length
        if s.syn || s.fin { next &+= 1 }
        if s.length > 0 || s.syn || s.fin {
            if fwd.unacked.count >= TCPDirection.maximumUnacked { fwd.unacked.removeFirst() }
            fwd.unacked.append(.init(sequence: s.sequence, next: next, time: s.time))
        }
        let probe = flags.contains(.zeroWindowProbe)
        if (SequenceNumber.greater(next, fwd.nextSequence) || fwd.nextSequence == 0) && !probe {
            fwd.nextSequence = next
            fwd.nextSequenceTime = s.time
        }
        if (s.sequence == fwd.maxSequenceToBeAcked || fwd.maxSequenceToBeAcked == 0) && !probe {
            fwd.maxSequenceToBeAcked = fwd.nextSequence
        }
        fwd.window = s.window
        fwd.lastAck = s.ack
        fwd.lastAckTime = s.time
        fwd.lastSegmentFlags = flags
    }

    /// Drops the reverse direction's segments this ACK covers. Returns the ACK RTT when
    /// the ACK matches a segment's end exactly (the oldest such segment, as tshark).
    static func acknowledge(_ ack: UInt32, at time: Int64, in rev: inout TCPDirection) -> Int64? {
        // Compacted in place (a write cursor behind the read one): a new array per ACK was a
        // heap allocation per packet, and the next append then grew it again (measured: a
        // third of `loupe report`'s allocations).
        var rtt: Int64?
        let count = rev.unacked.count
        var kept = 0
        for i in 0..<count {
            var u = rev.unacked[i]
            if ack == u.next {
                if rtt == nil { rtt = time &- u.time }
                continue
            }
            if SequenceNumber.greater(ack, u.sequence) && SequenceNumber.lessOrEqual(ack, u.next) {
                u.sequence = ack
            } else if !SequenceNumber.greater(u.next, ack) {
                continue
            }
            if kept != i || u.sequence != rev.unacked[i].sequence { rev.unacked[kept] = u }
            kept += 1
        }
        if kept < count { rev.unacked.removeLast(count - kept) }
        return rtt
    }
}
