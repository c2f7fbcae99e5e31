/// The layer walk: link type -> link header -> (VLAN tags) -> IP -> transport ->
/// (overlay -> inner frame again) -> application hint. Pure and allocation-free; errors
/// are caught at the layer that failed and recorded in the frame, never thrown out.
public enum FrameDecoder {
    /// Overlays peeled at most: VXLAN in Geneve in VXLAN is an attack, not a cluster.
    public static let maximumTunnelDepth = 3
    /// The nesting budget of the whole decapsulation chain: VLAN tags (after Ethernet, a
    /// cooked header or a tunnel), overlay headers and IPv6 extension headers, added up over
    /// every layer of the frame. Beside the per-kind limits (`Ethernet.maximumTags` per tag
    /// stack, `maximumTunnelDepth`, `IPv6.maximumExtensionHeaders` per IPv6 header), so no
    /// mix of kinds nests deeper than this; past it the frame is malformed (`.limit`). Real
    /// traffic nests 1 to 4 deep (QinQ in VXLAN: 3). The walk is a loop per kind and
    /// recurses only into a tunnel, so the stack depth is bounded by `maximumTunnelDepth`
    /// whatever the record's length.
    public static let maximumNesting = 16

    /// `originalLength` is the packet's wire length: a header that runs past the captured
    /// bytes of a packet the snaplen cut is "packet size limited during capture" (tshark),
    /// not malformed.
    public static func decode(linkType: UInt32, bytes: UnsafeRawBufferPointer, originalLength: Int) -> DecodedFrame {
        var frame = DecodedFrame()
        decode(linkType: linkType, bytes: bytes, originalLength: originalLength, into: &frame)
        return frame
    }

    /// Decodes into `frame` (reset first): the hot path's form, which never copies the
    /// 250-byte frame value around.
    public static func decode(
        linkType: UInt32, bytes: UnsafeRawBufferPointer, originalLength: Int,
        into frame: inout DecodedFrame
    ) {
        frame = DecodedFrame()
        frame.wireLength = originalLength
        do {
            try link(linkType, ByteSlice(bytes), &frame)
        } catch {
            frame.error = error
            if error.code == .truncated && bytes.count < originalLength {
                frame.cutByCapture = true
            } else {
                frame.path.append(.malformed)
            }
        }
    }

    /// Decodes a transport header and above from a reassembled IP datagram payload.
    public static func decodeReassembled(_ payload: ByteSlice, into frame: inout DecodedFrame) {
        frame.fragment = nil
        if frame.path.last == .fragment { frame.path.removeLast() }
        frame.ipPayload = payload
        frame.ipPayloadDeclaredLength = payload.count
        do {
            try transport(payload, declared: payload.count, &frame)
        } catch {
            frame.error = error
            frame.path.append(.malformed)
        }
    }

    // MARK: - Link layers

    static func link(_ linkType: UInt32, _ bytes: ByteSlice, _ frame: inout DecodedFrame) throws(DecodeError) {
        switch linkType {
        case 1:
            try ethernet(bytes, &frame)
        case 0, 108:
            frame.path.append(.null)
            guard let v = try NullLoopback.ipVersion(bytes, alwaysBigEndian: linkType == 108) else {
                return frame.path.append(.unknownEthertype)
            }
            try ip(version: v, bytes.dropFirst(NullLoopback.headerLength), &frame)
        case 101, 12, 14:  // RAW; 12 and 14 are the old DLT_RAW numbers on some BSDs
            frame.path.append(.raw)
            try rawIP(bytes, &frame)
        case 228:
            frame.path.append(.raw)
            try ip(version: 4, bytes, &frame)
        case 229:
            frame.path.append(.raw)
            try ip(version: 6, bytes, &frame)
        case 113, 276:
            let v2 = linkType == 276
            frame.path.append(v2 ? .linuxSLL2 : .linuxSLL)
            let view = try LinuxSLL.View(validating: bytes, version2: v2)
            if v2 { frame.linkInterface = view.interfaceIndex }
            if view.arphrdType == LinuxSLL.arphrdNetlink { return frame.path.append(.data) }
            try etherType(view.protocolType, view.payload, &frame)
        case 239:
            frame.path.append(.nflog)
            let (version, packet) = try NFLOG.payload(bytes)
            guard let version else { return }
            try ip(version: version, packet, &frame)
        default:
            frame.path.append(.unknownLink)
        }
    }

    static func ethernet(_ bytes: ByteSlice, _ frame: inout DecodedFrame) throws(DecodeError) {
        frame.path.append(.ethernet)
        let eth = try Ethernet.View(validating: bytes)
        try etherType(eth.etherType, eth.payload, &frame)
    }

    /// Counts one more nested header against `maximumNesting`.
    @inline(__always)
    static func nest(_ frame: inout DecodedFrame, _ layer: LayerID, at offset: Int, count: Int = 1) throws(DecodeError) {
        let nesting = Int(frame.nesting) + count
        guard nesting <= maximumNesting else {
            throw DecodeError(.limit, layer, at: offset, value: nesting, limit: maximumNesting)
        }
        frame.nesting = UInt8(nesting)
    }

    /// The EtherType and what follows: VLAN tags (after Ethernet, a cooked header or a Geneve
    /// header) walked in a loop (a record of 16 MiB holds four million of them), at most
    /// `Ethernet.maximumTags` per stack and within the nesting budget.
    static func etherType(_ type: UInt16, _ bytes: ByteSlice, _ frame: inout DecodedFrame) throws(DecodeError) {
        var type = type, rest = bytes, tags = 0
        while Ethernet.isVLANTag(type) {
            tags += 1
            guard tags <= Ethernet.maximumTags else {
                throw DecodeError(.limit, .vlan, at: rest.frameOffset, value: tags, limit: Ethernet.maximumTags)
            }
            try nest(&frame, .vlan, at: rest.frameOffset)
            frame.path.append(.vlan)
            let tag = try Ethernet.VLANView(validating: rest)
            type = tag.etherType
            rest = tag.payload
        }
        switch type {
        case EtherType.ipv4: try ip(version: 4, rest, &frame)
        case EtherType.ipv6: try ip(version: 6, rest, &frame)
        case EtherType.arp, EtherType.rarp: frame.path.append(.arp)
        default: frame.path.append(.unknownEthertype)
        }
    }

    // MARK: - Network layer

    static func rawIP(_ bytes: ByteSlice, _ frame: inout DecodedFrame) throws(DecodeError) {
        try bytes.require(1, .ipv4)
        let version = bytes.u8(at: 0) >> 4
        guard version == 4 || version == 6 else {
            throw DecodeError(.badValue, .ipv4, at: bytes.frameOffset, value: Int(version))
        }
        try ip(version: version, bytes, &frame)
    }

    static func ip(version: UInt8, _ bytes: ByteSlice, _ frame: inout DecodedFrame) throws(DecodeError) {
        frame.ipVersion = version
        if version == 4 {
            frame.path.append(.ipv4)
            let v4 = try IPv4.View(validating: bytes, reportedLength: frame.wireLength - bytes.frameOffset)
            frame.source = v4.source
            frame.destination = v4.destination
            frame.ipProtocol = v4.proto
            frame.ipIdentification = v4.identification
            frame.ipTTL = v4.ttl
            frame.ipPayload = v4.payload
            frame.ipPayloadDeclaredLength = v4.declaredPayloadLength
            if v4.isFragment {
                frame.fragment = IPv6.Fragment(
                    identification: UInt32(v4.identification), offset: v4.fragmentOffset,
                    more: v4.moreFragments)
                return frame.path.append(.fragment)
            }
            try transport(v4.payload, declared: v4.declaredPayloadLength, &frame)
        } else {
            frame.path.append(.ipv6)
            let v6 = try IPv6.View(validating: bytes, reportedLength: frame.wireLength - bytes.frameOffset)
            if v6.extensionHeaders > 0 {
                try nest(&frame, .ipv6, at: bytes.frameOffset, count: v6.extensionHeaders)
            }
            frame.source = v6.source
            frame.destination = v6.destination
            frame.ipProtocol = v6.proto
            frame.ipIdentification = 0
            frame.ipTTL = v6.hopLimit
            frame.ipPayload = v6.payload
            frame.ipPayloadDeclaredLength = v6.declaredPayloadLength
            if let fragment = v6.fragment {
                frame.fragment = fragment
                return frame.path.append(.fragment)
            }
            try transport(v6.payload, declared: v6.declaredPayloadLength, &frame)
        }
    }

    // MARK: - Transport and above

    static func transport(_ bytes: ByteSlice, declared: Int, _ frame: inout DecodedFrame) throws(DecodeError) {
        // Ports are the first four bytes of TCP, UDP and SCTP: keep them even when the rest
        // of the header is cut or broken, so the packet still joins its conversation.
        let proto = frame.ipProtocol
        if (proto == IPProtocol.tcp || proto == IPProtocol.udp) && bytes.count >= 4 {
            frame.hasPorts = true
            frame.sourcePort = bytes.u16(at: 0)
            frame.destinationPort = bytes.u16(at: 2)
        }
        switch proto {
        case IPProtocol.tcp:
            frame.path.append(.tcp)
            let tcp: TCP.View
            do {
                tcp = try TCP.View(validating: bytes)
            } catch {
                // tshark's tcp.len comes from the IP length and the data offset even when the
                // snaplen cut the rest of the header.
                if bytes.count > TCP.Field.dataOffset {
                    let headerLength = Int(bytes.u8(at: TCP.Field.dataOffset) >> 4) * 4
                    if headerLength >= TCP.minimumHeaderLength {
                        frame.payloadDeclaredLength = max(0, declared - headerLength)
                    }
                }
                throw error
            }
            frame.hasTCPHeader = true
            frame.hasPorts = true
            frame.sourcePort = tcp.sourcePort
            frame.destinationPort = tcp.destinationPort
            frame.tcpFlags = tcp.flags
            frame.sequenceNumber = tcp.sequenceNumber
            frame.acknowledgmentNumber = tcp.acknowledgmentNumber
            frame.window = tcp.window
            frame.tcpOptions = tcp.options
            frame.payload = tcp.payload
            frame.payloadDeclaredLength = max(0, declared - tcp.headerLength)
            if let app = PortTable.application(
                tcp: true, sourcePort: tcp.sourcePort,
                destinationPort: tcp.destinationPort, payload: tcp.payload)
            {
                frame.path.append(app)
            }
        case IPProtocol.udp:
            frame.path.append(.udp)
            let udp = try UDP.View(validating: bytes, declaredLength: declared)
            frame.hasPorts = true
            frame.sourcePort = udp.sourcePort
            frame.destinationPort = udp.destinationPort
            frame.payload = udp.payload
            frame.payloadDeclaredLength = udp.length - UDP.headerLength
            try udpPayload(udp, &frame)
        case IPProtocol.icmp, IPProtocol.icmpv6:
            let layer: LayerID = frame.ipProtocol == IPProtocol.icmp ? .icmp : .icmpv6
            frame.path.append(layer)
            let icmp = try ICMP.View(validating: bytes, layer: layer)
            frame.icmpType = icmp.type
            frame.icmpCode = icmp.code
        case IPProtocol.igmp: frame.path.append(.igmp)
        case IPProtocol.gre: frame.path.append(.gre)
        case IPProtocol.esp: frame.path.append(.esp)
        case IPProtocol.sctp: frame.path.append(.sctp)
        default: frame.path.append(.unknownTransport)
        }
    }

    static func udpPayload(_ udp: UDP.View, _ frame: inout DecodedFrame) throws(DecodeError) {
        let dst = udp.destinationPort, src = udp.sourcePort
        let isVXLAN = Overlay.isVXLANPort(dst)
        let isGeneve = dst == Overlay.genevePort
        if (isVXLAN || isGeneve) && Int(frame.tunnelDepth) < maximumTunnelDepth {
            frame.tunnelDepth += 1
            try nest(&frame, isVXLAN ? .vxlan : .geneve, at: udp.payload.frameOffset)
            frame.path.append(isVXLAN ? .vxlan : .geneve)
            // The inner frame replaces the outer addressing.
            frame.hasPorts = false
            frame.ipVersion = 0
            if isVXLAN {
                return try ethernet(try Overlay.vxlanPayload(udp.payload), &frame)
            }
            let (type, inner) = try Overlay.genevePayload(udp.payload)
            if type == EtherType.transparentEthernet { return try ethernet(inner, &frame) }
            return try etherType(type, inner, &frame)
        }
        if let app = PortTable.application(tcp: false, sourcePort: src, destinationPort: dst, payload: udp.payload) {
            frame.path.append(app)
        }
    }
}
