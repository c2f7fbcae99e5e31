import Dissectors

/// The `chain` fuzz target: the input is a recipe for a decapsulation chain, built inside a
/// large record and decoded. Each recipe byte adds one header (its low 3 bits pick the kind:
/// a VLAN tag, VXLAN in IPv4/UDP, Geneve in IPv4/UDP, an IPv6 extension header, a cooked
/// header's protocol, an inner Ethernet header; the rest a field value), and the recipe's
/// last byte repeats the chain up to a record of up to 16 MiB. The nesting budget
/// (`FrameDecoder.maximumNesting`) must hold for every mix, at every record size.
enum ChainFuzzing {
    /// Largest record built (pcap's and pcapng's own bound).
    static let maximumRecord = 16 << 20

    static func build(_ recipe: UnsafeRawBufferPointer) -> (linkType: UInt32, frame: [UInt8]) {
        guard let first = recipe.first else { return (1, []) }
        let steps = recipe.dropFirst()
        let repeats = Int(recipe.last ?? 0)
        // Headers from the outside in; each step says what the next header's type field is.
        var frame: [UInt8] = []
        let linkType: UInt32 = first & 1 == 0 ? 1 : 113
        frame += linkType == 1 ? [UInt8](repeating: 2, count: 12) : [0, 0, 0, 1, 0, 6, 2, 0, 0, 0, 0, 0, 0, 0]
        var chain: [UInt8] = []
        for s in steps {
            switch s & 7 {
            case 0, 1: chain += [0x81, 0x00, 0, s >> 3]  // type 0x8100, then a tag's TCI
            case 2: chain += vxlan(s)
            case 3: chain += geneve(s)
            case 4: chain += [0x86, 0xDD] + ipv6(extensions: Int(s >> 3) + 1)
            case 5: chain += [0x88, 0xA8, 0, 1]
            case 6:
                chain +=
                    [0x08, 0x00] + ipv4udp(port: 4789, payloadLength: 0) + [0x08, 0, 0, 0, 0, 0, 1, 0]
                    + [UInt8](repeating: 2, count: 12)
            default: chain += [0x91, 0x00, 0, 2]
            }
        }
        if chain.isEmpty { chain = [0x81, 0x00, 0, 1] }
        let room = min(maximumRecord, chain.count * (repeats + 1) * 64) - frame.count
        var n = 0
        while n + chain.count <= room && n < (repeats + 1) * chain.count * 64 {
            frame += chain
            n += chain.count
        }
        frame += [0x08, 0x00] + ipv4udp(port: 53, payloadLength: 4) + [0, 0, 0, 0]
        return (linkType, frame)
    }

    /// An IPv4 header and a UDP header to `port` (lengths left for the decoder to bound).
    static func ipv4udp(port: UInt16, payloadLength: Int) -> [UInt8] {
        let total = 28 + payloadLength
        return [
            0x45, 0, UInt8(total >> 8 & 0xFF), UInt8(total & 0xFF), 0, 1, 0, 0, 64, 17, 0, 0,
            10, 0, 0, 1, 10, 0, 0, 2, 0x30, 0x39, UInt8(port >> 8), UInt8(port & 0xFF), 0, 0, 0, 0,
        ]
    }

    static func vxlan(_ s: UInt8) -> [UInt8] {
        [0x08, 0x00] + ipv4udp(port: 4789, payloadLength: 0) + [0x08, 0, 0, 0, 0, 0, s, 0] + [UInt8](repeating: 2, count: 12)
    }

    static func geneve(_ s: UInt8) -> [UInt8] {
        [0x08, 0x00] + ipv4udp(port: 6081, payloadLength: 0) + [0, 0, 0x65, 0x58, 0, 0, s, 0] + [UInt8](repeating: 2, count: 12)
    }

    /// An IPv6 header followed by `extensions` destination-options headers (8 bytes each),
    /// the last naming UDP; then a UDP header.
    static func ipv6(extensions: Int) -> [UInt8] {
        // version | payload length 0 (unstated: what was captured) | next 60 | hop limit; ::1 -> ::2
        var out: [UInt8] = [0x60, 0, 0, 0, 0, 0, 60, 64] + [UInt8](repeating: 0, count: 15) + [1]
        out += [UInt8](repeating: 0, count: 15) + [2]
        for i in 0..<extensions { out += [i == extensions - 1 ? 17 : 60, 0, 1, 4, 0, 0, 0, 0] }
        return out + [0x30, 0x39, 0, 9, 0, 8, 0, 0]
    }

    static func consume(_ recipe: UnsafeRawBufferPointer) {
        let (linkType, frame) = build(recipe)
        let decoded = frame.withUnsafeBytes {
            FrameDecoder.decode(linkType: linkType, bytes: $0, originalLength: frame.count)
        }
        precondition(Int(decoded.nesting) <= FrameDecoder.maximumNesting, "nesting budget exceeded")
    }
}
