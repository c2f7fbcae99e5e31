import CaptureFormats
import Dissectors

/// What a flow table keeps per conversation (`FlowTableOf`): `Flow`, or `CountedFlow` for
/// a table that only counts packets and bytes. The table reads the key's fields and the
/// bookkeeping here; `CapturePass.count` the counters.
protocol FlowRecord {
    init(key: FlowKey, serial: Int, time: Int64)
    var key: FlowKey { get }
    /// Whether this is `key`'s record (without building a `FlowKey` from narrow storage).
    func hasKey(_ key: FlowKey) -> Bool
    var ipProtocol: UInt8 { get }
    var lowPort: UInt16 { get }
    var highPort: UInt16 { get }
    /// The upper 32 bits of the key's hash: the record's home slot, kept so the table never
    /// rehashes a key to grow or to delete.
    var hashTag: UInt32 { get set }
    /// False once the record has left the table (its slot in the dense array is free).
    var isLive: Bool { get set }
    var lastSeen: Int64 { get set }
    var serial: Int { get }
    var isClosed: Bool { get }
    var clientIsLow: Bool { get set }
    var firstSecond: Int64 { get set }
    var firstNanosecond: UInt32 { get set }
    var packetsFromLow: Int { get set }
    var packetsFromHigh: Int { get set }
    var bytesFromLow: Int { get set }
    var bytesFromHigh: Int { get set }
}

extension Flow: FlowRecord {
    init(key: FlowKey, serial: Int, time: Int64) {
        self.init(
            key: key, serial: serial, firstSeen: time, lastSeen: time, firstSecond: 0, firstNanosecond: 0,
            clientIsLow: true, clientFromSYN: false)
    }

    @inline(__always) func hasKey(_ key: FlowKey) -> Bool { self.key == key }
    @inline(__always) var ipProtocol: UInt8 { key.ipProtocol }
    @inline(__always) var lowPort: UInt16 { key.lowPort }
    @inline(__always) var highPort: UInt16 { key.highPort }
}

/// A conversation of IPv4 UDP that only counts packets and bytes (DNS over UDP's, in
/// `DNSConversations`), in 64 bytes where a `Flow` takes 112: a resolver takes a fresh port
/// for every lookup, so on a busy node these are most of the live flows (measured on the
/// standard workload: 47,000 held at once, 5.3 MB as `Flow`s, the largest part of `loupe
/// report`'s memory growth after the first seconds of capture). `flow` is the `Flow` it
/// stands for, field for field.
struct CountedFlow: FlowRecord {
    private var lowAddress: UInt32
    private var highAddress: UInt32
    let lowPort: UInt16
    let highPort: UInt16
    var hashTag: UInt32 = 0
    var lastSeen: Int64
    private var packetsLow: UInt32 = 0
    private var packetsHigh: UInt32 = 0
    var bytesFromLow = 0
    var bytesFromHigh = 0
    private var serialNumber: UInt32
    /// The first packet's nanoseconds (below 2^30) in the low 30 bits; `clientIsLow` and
    /// `isLive` in the top two.
    private var nanosecondsAndFlags: UInt32
    var firstSecond: Int64 = 0

    private static let clientIsLowBit: UInt32 = 1 << 30
    private static let liveBit: UInt32 = 1 << 31

    /// Keys it can hold: IPv4 UDP.
    @inline(__always)
    static func holds(_ key: FlowKey) -> Bool {
        key.ipProtocol == IPProtocol.udp && key.lowAddress.isV4 && key.highAddress.isV4
    }

    init(key: FlowKey, serial: Int, time: Int64) {
        lowAddress = UInt32(truncatingIfNeeded: key.lowAddress.low)
        highAddress = UInt32(truncatingIfNeeded: key.highAddress.low)
        lowPort = key.lowPort
        highPort = key.highPort
        lastSeen = time
        serialNumber = UInt32(truncatingIfNeeded: serial)
        // As `Flow`'s initialiser: the first-seen time until the first packet is counted.
        firstSecond = time / 1_000_000_000
        nanosecondsAndFlags = UInt32(truncatingIfNeeded: time % 1_000_000_000) | Self.clientIsLowBit | Self.liveBit
    }

    var key: FlowKey {
        FlowKey(
            lowAddress: IPAddress(v4: lowAddress), highAddress: IPAddress(v4: highAddress), lowPort: lowPort,
            highPort: highPort, ipProtocol: IPProtocol.udp)
    }

    @inline(__always)
    func hasKey(_ key: FlowKey) -> Bool {
        key.lowPort == lowPort && key.highPort == highPort && key.ipProtocol == IPProtocol.udp
            && key.lowAddress == IPAddress(v4: lowAddress) && key.highAddress == IPAddress(v4: highAddress)
    }

    var ipProtocol: UInt8 { IPProtocol.udp }
    var serial: Int { Int(serialNumber) }
    var isClosed: Bool { false }

    var isLive: Bool {
        get { nanosecondsAndFlags & Self.liveBit != 0 }
        set { nanosecondsAndFlags = newValue ? nanosecondsAndFlags | Self.liveBit : nanosecondsAndFlags & ~Self.liveBit }
    }
    var clientIsLow: Bool {
        get { nanosecondsAndFlags & Self.clientIsLowBit != 0 }
        set {
            nanosecondsAndFlags =
                newValue
                ? nanosecondsAndFlags | Self.clientIsLowBit
                : nanosecondsAndFlags & ~Self.clientIsLowBit
        }
    }
    /// Always below 10^9 < 2^30 (a `Timestamp`'s).
    var firstNanosecond: UInt32 {
        get { nanosecondsAndFlags & (Self.clientIsLowBit - 1) }
        set { nanosecondsAndFlags = nanosecondsAndFlags & ~(Self.clientIsLowBit - 1) | newValue & (Self.clientIsLowBit - 1) }
    }
    /// 32-bit storage, saturating (as `Flow`'s).
    var packetsFromLow: Int {
        get { Int(packetsLow) }
        set { packetsLow = UInt32(clamping: newValue) }
    }
    var packetsFromHigh: Int {
        get { Int(packetsHigh) }
        set { packetsHigh = UInt32(clamping: newValue) }
    }

    /// The `Flow` this stands for (what the conversation sinks take).
    var flow: Flow {
        var f = Flow(
            key: key, serial: serial, firstSeen: 0, lastSeen: lastSeen, firstSecond: firstSecond,
            firstNanosecond: firstNanosecond, clientIsLow: clientIsLow, clientFromSYN: false)
        f.hashTag = hashTag
        f.isLive = isLive
        f.packetsFromLow = packetsFromLow
        f.packetsFromHigh = packetsFromHigh
        f.bytesFromLow = bytesFromLow
        f.bytesFromHigh = bytesFromHigh
        return f
    }
}
