import Dissectors

/// Counts QUIC on UDP: datagrams whose first packet is a long header (any port), and later
/// short-header datagrams on the same flows. Memory: at most `flowLimit` flows remembered.
struct QUICAnalysis {
    static let flowLimit = 65_536
    private var flows: Set<FlowKey> = []
    private(set) var packets = 0
    private(set) var connections = 0
    private(set) var versions: [UInt32: Int] = [:]

    mutating func datagram(_ payload: ByteSlice, key: FlowKey) {
        guard payload.count > 0 else { return }
        if payload.u8(at: 0) & 0x80 == 0 {
            // Short header: QUIC only on a flow that showed a long header.
            if !flows.isEmpty && flows.contains(key) { packets += 1 }
            return
        }
        var counted = false
        QUIC.longHeaders(payload) { version in
            versions[version, default: 0] += 1
            counted = true
        }
        guard counted else { return }
        packets += 1
        if flows.count < Self.flowLimit, flows.insert(key).inserted { connections += 1 }
    }

    var summary: (packets: Int, versions: [String: Int], connections: Int) {
        var named: [String: Int] = [:]
        for (v, n) in versions {
            let h = String(v, radix: 16)
            named["0x" + String(repeating: "0", count: 8 - h.count) + h] = n
        }
        return (packets, named, connections)
    }
}
