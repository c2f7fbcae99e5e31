extension ICMP {
    /// What an ICMP error message says about the packet it answers (RFC 792, RFC 1191, RFC
    /// 4443): the error's kind, the MTU a Fragmentation Needed / Packet Too Big names, and the
    /// quoted packet's addresses, protocol and ports (the first 8 bytes of its transport
    /// header are quoted: enough for ports).
    public struct ErrorMessage: Sendable, Equatable {
        public enum Kind: Sendable, Equatable { case unreachable, fragmentationNeeded, timeExceeded, other }
        public var kind: Kind
        public var code: UInt8
        /// Fragmentation Needed (ICMPv4 type 3 code 4) and Packet Too Big (ICMPv6 type 2).
        public var mtu: UInt32?
        public var quotedSource: IPAddress
        public var quotedDestination: IPAddress
        public var quotedProtocol: UInt8
        /// The quoted packet's ports, when it is TCP, UDP or SCTP and they were quoted.
        public var quotedSourcePort: UInt16?
        public var quotedDestinationPort: UInt16?
    }

    /// An error message in `message` (the ICMP header onward), or nil for other types and for
    /// a quote too short to name its packet. `v6`: ICMPv6.
    public static func error(_ message: ByteSlice, v6: Bool) -> ErrorMessage? {
        guard message.count >= 8 else { return nil }
        let type = message.u8(at: 0), code = message.u8(at: 1)
        let kind: ErrorMessage.Kind
        var mtu: UInt32?
        if v6 {
            switch type {
            case 1: kind = .unreachable
            case 2: kind = .fragmentationNeeded; mtu = message.u32(at: 4)
            case 3: kind = .timeExceeded
            case 4: kind = .other
            default: return nil
            }
        } else {
            switch type {
            case 3 where code == 4: kind = .fragmentationNeeded; mtu = UInt32(message.u16(at: 6))
            case 3: kind = .unreachable
            case 11: kind = .timeExceeded
            case 12: kind = .other
            default: return nil
            }
        }
        let quote = message.dropFirst(8)
        var e = ErrorMessage(
            kind: kind, code: code, mtu: mtu, quotedSource: IPAddress(high: 0, low: 0),
            quotedDestination: IPAddress(high: 0, low: 0), quotedProtocol: 0)
        let transport: ByteSlice
        if v6 {
            guard quote.count >= 40, quote.u8(at: 0) >> 4 == 6 else { return nil }
            e.quotedSource = IPAddress(high: quote.u64(at: 8), low: quote.u64(at: 16))
            e.quotedDestination = IPAddress(high: quote.u64(at: 24), low: quote.u64(at: 32))
            e.quotedProtocol = quote.u8(at: 6)  // next header; extension headers are not followed
            transport = quote.dropFirst(40)
        } else {
            guard quote.count >= 20, quote.u8(at: 0) >> 4 == 4 else { return nil }
            let headerLength = Int(quote.u8(at: 0) & 0x0F) * 4
            guard headerLength >= 20, quote.count >= headerLength else { return nil }
            e.quotedSource = IPAddress(v4: quote.u32(at: 12))
            e.quotedDestination = IPAddress(v4: quote.u32(at: 16))
            e.quotedProtocol = quote.u8(at: 9)
            transport = quote.dropFirst(headerLength)
        }
        if [IPProtocol.tcp, IPProtocol.udp, IPProtocol.sctp].contains(e.quotedProtocol), transport.count >= 4 {
            e.quotedSourcePort = transport.u16(at: 0)
            e.quotedDestinationPort = transport.u16(at: 2)
        }
        return e
    }

    /// A name for a type: its RFC name in camelCase, or "icmp type N" / "icmpv6 type N".
    public static func typeName(_ type: UInt8, v6: Bool) -> String {
        let names: [UInt8: String] =
            v6
            ? [
                1: "destinationUnreachable", 2: "packetTooBig", 3: "timeExceeded", 4: "parameterProblem", 128: "echoRequest",
                129: "echoReply", 133: "routerSolicitation", 134: "routerAdvertisement", 135: "neighborSolicitation",
                136: "neighborAdvertisement", 137: "redirect", 143: "multicastListenerReport",
            ]
            : [
                0: "echoReply", 3: "destinationUnreachable", 5: "redirect", 8: "echoRequest", 11: "timeExceeded",
                12: "parameterProblem", 13: "timestamp", 14: "timestampReply",
            ]
        return names[type] ?? (v6 ? "icmpv6 type \(type)" : "icmp type \(type)")
    }
}
