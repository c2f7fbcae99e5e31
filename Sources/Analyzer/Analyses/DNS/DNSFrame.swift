import CaptureFormats
import Dissectors

/// What the DNS analysis takes from a frame besides its payload. Plain values, so a frame
/// can be handed to the DNS thread (`DNSWorker`) as this and a copy of the payload's bytes.
///
/// 96 bytes: each DNS frame is copied into the worker's ring and read back on the other
/// core (800k frames on the standard workload), so nothing is stored twice. The endpoints
/// are the key's, oriented by `fromLow` (the key is the frame's own, `FlowKey.of`), and the
/// flags and optionals' tags sit in the key's spare bytes (152 bytes before, with the
/// endpoints and the optionals stored apart).
struct DNSFrame {
    var key: FlowKey
    var tcpFlags: TCP.Flags
    private var bits: UInt8
    var time: Int64
    var sequence: UInt32
    var acknowledgment: UInt32
    private var timestampSeconds: Int64 = 0
    private var timestampNanoseconds: UInt32 = 0
    private var wireLength: UInt32 = 0
    private var serial: Int = 0
    private var clock: Int64 = 0
    private var sweptAt: Int64 = 0

    private static let overTCPBit: UInt8 = 1, fromLowBit: UInt8 = 2, timestampBit: UInt8 = 4
    private static let conversationBit: UInt8 = 8, analyzeBit: UInt8 = 16, cutBit: UInt8 = 32

    /// DNS over UDP in a report: the frame is counted in `DNSConversations` (not in the
    /// pass's flow table), and analysed only when `analyze` (the pod selection took it).
    struct Conversation {
        var wireLength: Int
        /// The frame number, the serial of a flow it starts.
        var serial: Int
        /// The pass's expiry clock at this frame.
        var clock: Int64
        /// The pass's flow table's last sweep (the conversations' table sweeps with it).
        var sweptAt: Int64
        var analyze: Bool
    }

    init(
        _ frame: borrowing DecodedFrame, overTCP: Bool, time: Int64, timestamp: Timestamp?, key: FlowKey,
        fromLow: Bool
    ) {
        self.key = key
        tcpFlags = frame.tcpFlags
        // Both read before `&&` (its operand is a closure, which cannot capture `frame`).
        let short = frame.payload.count < frame.payloadDeclaredLength
        let endsEarly = frame.payload.frameOffset + frame.payload.count < frame.wireLength
        let cut = short && endsEarly
        bits = (overTCP ? Self.overTCPBit : 0) | (fromLow ? Self.fromLowBit : 0) | (cut ? Self.cutBit : 0)
        self.time = time
        sequence = frame.sequenceNumber
        acknowledgment = frame.acknowledgmentNumber
        self.timestamp = timestamp
    }

    var overTCP: Bool { bits & Self.overTCPBit != 0 }
    /// The snaplen cut the payload: shorter than its headers say, and ending before the
    /// wire length (a length field that lies ends at the wire's end instead).
    var cutByCapture: Bool { bits & Self.cutBit != 0 }
    var fromLow: Bool { bits & Self.fromLowBit != 0 }
    var source: IPAddress { fromLow ? key.lowAddress : key.highAddress }
    var destination: IPAddress { fromLow ? key.highAddress : key.lowAddress }
    var sourcePort: UInt16 { fromLow ? key.lowPort : key.highPort }
    var destinationPort: UInt16 { fromLow ? key.highPort : key.lowPort }

    var timestamp: Timestamp? {
        get {
            bits & Self.timestampBit == 0
                ? nil
                : Timestamp(seconds: timestampSeconds, nanoseconds: timestampNanoseconds)
        }
        set {
            bits = bits & ~Self.timestampBit | (newValue == nil ? 0 : Self.timestampBit)
            timestampSeconds = newValue?.seconds ?? 0
            timestampNanoseconds = newValue?.nanoseconds ?? 0
        }
    }

    var conversation: Conversation? {
        get {
            guard bits & Self.conversationBit != 0 else { return nil }
            return Conversation(
                wireLength: Int(wireLength), serial: serial, clock: clock, sweptAt: sweptAt,
                analyze: bits & Self.analyzeBit != 0)
        }
        set {
            bits &= ~(Self.conversationBit | Self.analyzeBit)
            guard let c = newValue else { return }
            bits |= Self.conversationBit | (c.analyze ? Self.analyzeBit : 0)
            // A frame's wire length is a 32-bit field in both capture formats.
            wireLength = UInt32(clamping: c.wireLength)
            serial = c.serial
            clock = c.clock
            sweptAt = c.sweptAt
        }
    }

    /// Whether the frame is counted in `DNSConversations` (its `conversation` without
    /// building it).
    var hasConversation: Bool { bits & Self.conversationBit != 0 }
}
