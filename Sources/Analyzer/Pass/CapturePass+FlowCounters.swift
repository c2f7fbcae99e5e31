import CaptureFormats
import Dissectors

extension CapturePass {
    /// One packet in its flow's counters (every protocol; `apply` adds TCP's).
    @inline(__always)
    static func count<Record: FlowRecord>(
        _ flow: inout Record, isNew: Bool, fromLow: Bool, time: Int64,
        timestamp: Timestamp?, length: Int
    ) {
        if isNew {
            flow.clientIsLow = fromLow
            let t =
                timestamp
                ?? Timestamp(
                    seconds: time / 1_000_000_000,
                    nanoseconds: UInt32(truncatingIfNeeded: time % 1_000_000_000))
            flow.firstSecond = t.seconds
            flow.firstNanosecond = t.nanoseconds
        }
        if time > flow.lastSeen { flow.lastSeen = time }
        if fromLow {
            flow.packetsFromLow += 1
            flow.bytesFromLow &+= length
        } else {
            flow.packetsFromHigh += 1
            flow.bytesFromHigh &+= length
        }
    }

    /// Wireshark's base_seq: a side's first segment sets it (SYN: its sequence, else one
    /// less); the peer's first ACK sets it to the ACK minus one if still unknown.
    @inline(__always)
    static func trackBaseSequences(sequence: UInt32, ack: UInt32, flags: TCP.Flags, fromLow: Bool, _ flow: inout Flow) {
        let base = flags.contains(.syn) ? sequence : sequence &- 1
        let hasAck = flags.contains(.ack)
        if fromLow {
            if !flow.baseSequenceLowSet { flow.baseSequenceLow = base; flow.baseSequenceLowSet = true }
            if !flow.baseSequenceHighSet && hasAck { flow.baseSequenceHigh = ack &- 1; flow.baseSequenceHighSet = true }
        } else {
            if !flow.baseSequenceHighSet { flow.baseSequenceHigh = base; flow.baseSequenceHighSet = true }
            if !flow.baseSequenceLowSet && hasAck { flow.baseSequenceLow = ack &- 1; flow.baseSequenceLowSet = true }
        }
    }
}
