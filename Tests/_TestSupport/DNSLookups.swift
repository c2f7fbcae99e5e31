/// A capture of DNS lookups, each answered NXDOMAIN 2 ms later, from `clients` addresses
/// (10.1.0.1 ...) to 10.96.0.10 for names `n<k>.example`, 5 ms apart; and the (client,
/// name) of each, in order, for tests that work out what a report must say.
public enum DNSLookups {
    public static func capture(
        count: Int, clients: Int, names: Int, seed: UInt64
    )
        -> (pcap: [UInt8], lookups: [(client: Int, name: Int)])
    {
        var frames: [(seconds: UInt32, fraction: UInt32, data: [UInt8], original: Int?)] = []
        var lookups: [(client: Int, name: Int)] = []
        var state = seed  // SplitMix64: the same capture on every run
        func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        for i in 0..<count {
            let client = Int(next() % UInt64(clients)), name = Int(next() % UInt64(names))
            lookups.append((client, name))
            var q: [UInt8] = []
            for label in "n\(name).example".split(separator: ".") { q += [UInt8(label.utf8.count)] + Array(label.utf8) }
            q += [0, 0, 1, 0, 1]
            let id = UInt16(truncatingIfNeeded: i)
            let src: [UInt8] = [10, 1, UInt8(client >> 8), UInt8(client & 0xFF) + 1], dns: [UInt8] = [10, 96, 0, 10]
            let port = UInt16(30_000 + i % 20_000)
            for response in [false, true] {
                let msg = Frames.be16(id) + (response ? [0x81, 0x83] : [1, 0]) + [0, 1, 0, 0, 0, 0, 0, 0] + q
                let t = 1_800_000_000.0 + Double(i) * 0.005 + (response ? 0.002 : 0)
                let udp = response ? Frames.udp(sport: 53, dport: port, msg) : Frames.udp(sport: port, dport: 53, msg)
                frames.append(
                    (
                        UInt32(t), UInt32((t - t.rounded(.down)) * 1e6),
                        Frames.ethernet(
                            type: 0x0800,
                            Frames.ipv4(src: response ? dns : src, dst: response ? src : dns, proto: 17, udp)), nil
                    ))
            }
        }
        return (Frames.pcapFile(records: frames), lookups)
    }
}
