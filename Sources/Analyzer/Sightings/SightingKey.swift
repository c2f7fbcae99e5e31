import Dissectors

/// What one IP packet keeps wherever it is seen: on a pod's veth, on the bridge, on the
/// uplink, inside or outside VXLAN, before or after NAT.
///
/// `identity` mixes what forwarding and NAT leave alone and a resend changes: the IP
/// protocol, IPv4's identification when it is not 0, the IP payload's declared length,
/// fragment offsets; for TCP the sequence and acknowledgment numbers, flags, window, payload
/// length and every option byte (timestamps, SACK blocks); for other transports the first
/// 64 bytes of the payload (ICMP's checksum left out). It leaves out what changes hop by hop
/// or under NAT: addresses, ports, TTL / hop limit, checksums, MACs, DSCP/ECN. Two sightings
/// are one packet only when their identities are equal and one endpoint (address and port)
/// is unchanged (`Sightings`): NAT rewrites one side, never both, in the cases a cluster
/// makes (DNAT to a Service backend, SNAT to the node).
///
/// Uniqueness: TCP packets of different connections share an identity only if their 32-bit
/// sequence and acknowledgment numbers, window and options all agree (random initial
/// sequence numbers make that about 2^-64 per pair); UDP and ICMP packets only if their
/// first 64 payload bytes (DNS: ID, flags, counts, question) and IPv4 ID agree. Equal
/// identities within the matching window make the later packet a sighting of the earlier:
/// it is then left out of the analyses (see docs/sightings.md). The mix is fixed (not seeded
/// per process) so that the same input gives the same report.
enum SightingKey {
    /// The identity of a frame with a decoded IP layer (never 0).
    @inline(__always)
    static func identity(_ frame: borrowing DecodedFrame) -> UInt64 {
        var h: UInt64 = 0x5EED_0F_5167_4715 ^ UInt64(frame.ipVersion) << 8 ^ UInt64(frame.ipProtocol)
        h = mix(h, UInt64(frame.ipIdentification) << 32 | UInt64(UInt32(truncatingIfNeeded: frame.ipPayloadDeclaredLength)))
        if let fragment = frame.fragment {
            h = mix(h, UInt64(fragment.identification) << 32 | UInt64(fragment.offset) << 1 | (fragment.more ? 1 : 0))
            h = mix(h, prefix(frame.ipPayload, skipping: -9))
        } else if frame.hasTCPHeader {
            h = mix(h, UInt64(frame.sequenceNumber) << 32 | UInt64(frame.acknowledgmentNumber))
            h = mix(
                h,
                UInt64(frame.tcpFlags.rawValue) << 48 | UInt64(frame.window) << 32
                    | UInt64(UInt32(truncatingIfNeeded: frame.payloadDeclaredLength)))
            h = mix(h, words(frame.tcpOptions, limit: 40))
        } else if frame.hasPorts {
            h = mix(h, UInt64(UInt32(truncatingIfNeeded: frame.payloadDeclaredLength)))
            h = mix(h, prefix(frame.payload, skipping: -9))
        } else {
            // ICMP and others: the IP payload; ICMP's checksum (bytes 2-3) covers ICMPv6's
            // pseudo-header, which NAT rewrites.
            let proto = frame.ipProtocol
            let icmp = proto == IPProtocol.icmp || proto == IPProtocol.icmpv6
            h = mix(h, prefix(frame.ipPayload, skipping: icmp ? 2 : -9))
        }
        return finalizeHash(h) | 1
    }

    @inline(__always)
    static func mix(_ h: UInt64, _ word: UInt64) -> UInt64 {
        let x = (h ^ word) &* 0x9E37_79B9_7F4A_7C15
        return x ^ (x >> 29)
    }

    /// The first 64 bytes in 8-byte words (the 2 bytes at `skipping` zeroed; -9: none), and
    /// the count. A tail shorter than a word is read as the last 8 bytes
    /// (overlapping the word before) when there are 8 or more, byte by byte otherwise.
    @inline(__always)
    static func prefix(_ bytes: ByteSlice, skipping: Int) -> UInt64 {
        let n = min(bytes.count, 64)
        var h = UInt64(bytes.count)
        guard n >= 8 else {
            var tail: UInt64 = 0
            for i in 0..<n where i != skipping && i != skipping + 1 {
                tail |= UInt64(bytes.u8(at: i)) << UInt64(i * 8)
            }
            return mix(h, tail)
        }
        var i = 0
        while i + 8 <= n {
            h = mix(h, bytes.u64(at: i) & keep(skipping - i))
            i += 8
        }
        if i < n { h = mix(h, bytes.u64(at: n - 8) & keep(skipping - (n - 8))) }
        return h
    }

    /// A mask of a big-endian word keeping every byte but those at `at` and `at + 1`.
    @inline(__always)
    static func keep(_ at: Int) -> UInt64 {
        var mask = UInt64.max
        if at >= 0 && at < 8 { mask &= ~(0xFF << UInt64(56 - 8 * at)) }
        if at >= -1 && at < 7 { mask &= ~(0xFF << UInt64(48 - 8 * at)) }
        return mask
    }

    /// Up to `limit` bytes in 8-byte words.
    @inline(__always)
    static func words(_ bytes: ByteSlice, limit: Int) -> UInt64 {
        prefix(bytes.prefix(limit), skipping: -9)
    }
}
