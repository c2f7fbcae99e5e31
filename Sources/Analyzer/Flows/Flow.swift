import CaptureFormats
import Dissectors

/// What the flow table keeps per conversation. Plain data, ~120 bytes.
public struct Flow: Sendable {
    // Layout matters: 112 bytes, with what every packet touches (key, flags, last seen,
    // counters) first. Measured: the same fields at 144 bytes cost `loupe summary` ~8% on
    // the standard workload (more cache lines per lookup). Narrow storage sits behind
    // `Int` accessors.
    public var key: FlowKey
    /// True when the client (see `clientIsLow`) is the low endpoint of the key.
    public var clientIsLow: Bool
    /// Set once the client was decided by a SYN without ACK (tshark's rule), after which
    /// later packets cannot change it.
    public var clientFromSYN: Bool
    /// False once the flow has left the table (its slot in the dense array is free).
    public internal(set) var isLive = true
    public var lastSeen: Int64
    private var packetsLow: UInt32 = 0
    private var packetsHigh: UInt32 = 0
    /// Wire bytes in each direction.
    public var bytesFromLow: Int = 0
    public var bytesFromHigh: Int = 0
    /// FIN from each side or a RST: the conversation is over and expires soon.
    public var finFromLow = false
    public var finFromHigh = false
    public var reset = false
    public var baseSequenceLowSet = false
    public var baseSequenceHighSet = false
    /// Each side's initial sequence number as tshark infers it (SYN: its sequence; else
    /// the first sequence minus one, or the peer's first ACK minus one), to find port
    /// reuse: a SYN with another sequence starts a new conversation (tshark 4.0).
    public var baseSequenceLow: UInt32 = 0
    public var baseSequenceHigh: UInt32 = 0
    /// Index of this flow's TCP analysis state, or -1.
    public var analysisSlot: Int32 = -1
    /// The upper 32 bits of the key's hash: the flow's home slot, kept so the table never
    /// rehashes a key to grow or to delete.
    var hashTag: UInt32 = 0
    private var serialNumber: UInt32
    /// The first packet's timestamp, exactly, for reports.
    public var firstNanosecond: UInt32
    public var firstSecond: Int64

    init(
        key: FlowKey, serial: Int, firstSeen: Int64, lastSeen: Int64, firstSecond: Int64, firstNanosecond: UInt32,
        clientIsLow: Bool, clientFromSYN: Bool
    ) {
        self.key = key
        self.clientIsLow = clientIsLow
        self.clientFromSYN = clientFromSYN
        self.lastSeen = lastSeen
        self.serialNumber = UInt32(truncatingIfNeeded: serial)
        self.firstSecond = firstSecond == 0 && firstNanosecond == 0 ? firstSeen / 1_000_000_000 : firstSecond
        self.firstNanosecond =
            firstSecond == 0 && firstNanosecond == 0
            ? UInt32(truncatingIfNeeded: firstSeen % 1_000_000_000) : firstNanosecond
    }

    /// Deterministic identifier: the order in which flows were first seen (32 bits: a
    /// capture with more than 4 billion flows would wrap, and only tie-breaking uses it).
    public var serial: Int { Int(serialNumber) }
    /// Packets in each direction (32-bit storage, saturating).
    public var packetsFromLow: Int {
        get { Int(packetsLow) }
        set { packetsLow = UInt32(clamping: newValue) }
    }
    public var packetsFromHigh: Int {
        get { Int(packetsHigh) }
        set { packetsHigh = UInt32(clamping: newValue) }
    }
    /// The first packet's time in nanoseconds since the epoch (saturating).
    public var firstSeen: Int64 { Timestamp(seconds: firstSecond, nanoseconds: firstNanosecond).saturatingNanoseconds }

    public var packets: Int { packetsFromLow + packetsFromHigh }
    public var bytes: Int { bytesFromLow + bytesFromHigh }
    public var isClosed: Bool { reset || (finFromLow && finFromHigh) }
}
