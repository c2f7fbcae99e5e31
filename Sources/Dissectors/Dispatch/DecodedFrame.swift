/// What the layer walk found in one frame: plain values and slices of the frame's bytes
/// (valid only while the packet is). For encapsulated traffic the addresses, ports and
/// payload are the innermost ones: the pod's conversation, not the overlay's.
public struct DecodedFrame {
    public var path = LayerPath()
    /// The first layer that failed to decode, if any (the layers before it stand).
    public var error: DecodeError?
    /// True when that failure is only the snaplen cutting a header short.
    public var cutByCapture = false
    /// Malformed: a layer failed for a reason other than the capture's snaplen.
    public var isMalformed: Bool { error != nil && !cutByCapture }

    /// 0 when no IP layer was found, else 4 or 6.
    public var ipVersion: UInt8 = 0
    public var source = IPAddress(high: 0, low: 0)
    public var destination = IPAddress(high: 0, low: 0)
    public var ipProtocol: UInt8 = 0
    /// IPv4's identification field (0 for IPv6, which has none outside fragments).
    public var ipIdentification: UInt16 = 0
    /// TTL (IPv4) or hop limit (IPv6): tells a forwarded copy from a capture's duplicate.
    public var ipTTL: UInt8 = 0
    /// Set on IP fragments; `ipPayload` then holds this fragment's bytes.
    public var fragment: IPv6.Fragment?
    public var ipPayload = ByteSlice.empty
    /// The IP payload length the header declares (may exceed what was captured).
    public var ipPayloadDeclaredLength = 0

    /// True once a TCP or UDP header was decoded.
    public var hasPorts = false
    public var sourcePort: UInt16 = 0
    public var destinationPort: UInt16 = 0

    /// True once a whole TCP header was validated (sequence analysis needs one).
    public var hasTCPHeader = false
    public var tcpFlags = TCP.Flags()
    public var sequenceNumber: UInt32 = 0
    public var acknowledgmentNumber: UInt32 = 0
    public var window: UInt16 = 0
    public var tcpOptions = ByteSlice.empty

    public var icmpType: UInt8 = 0
    public var icmpCode: UInt8 = 0

    /// The transport payload as captured.
    public var payload = ByteSlice.empty
    /// The payload length the headers declare (TCP segment length, `tcp.len`).
    public var payloadDeclaredLength = 0
    /// The frame's wire length (bounds every length a header claims).
    public var wireLength = Int.max
    /// Overlay headers (VXLAN, Geneve) peeled off to reach the inner frame.
    public var tunnelDepth: UInt8 = 0
    /// Nested headers counted against `FrameDecoder.maximumNesting` (tags, overlays,
    /// IPv6 extension headers).
    public var nesting: UInt8 = 0
    /// The interface index a Linux cooked v2 header names (-1 without one): the observation
    /// point inside a `-i any` capture.
    public var linkInterface: Int32 = -1

    public init() {}

    public var isTCP: Bool { hasPorts && ipProtocol == IPProtocol.tcp }
    public var isUDP: Bool { hasPorts && ipProtocol == IPProtocol.udp }
}

extension ByteSlice {
    public static var empty: ByteSlice { ByteSlice(start: nil, count: 0, frameOffset: 0) }
}
