import DequeModule
import Dissectors

/// DNS-over-TCP connections being decoded: each direction's reassembly and framing, by
/// conversation.
///
/// Bounds: at most `maximumConnections` connections (a SYN flood to a resolver's TCP port
/// creates one per packet); past it a new connection takes the place of the oldest (by its
/// first segment, a fixed order: the same input evicts the same ones), counted in
/// `evicted`. A connection leaves at a RST or once both sides sent FIN. Framing buffers
/// (a message waits whole for its last byte, 65,537 bytes at most) count against
/// `maximumFramingBytes` across every connection; a direction that would pass it gives
/// its framing up, as after a gap. Reassembly is bounded by the pass's `ReassemblyBudget`.
struct DNSTCPStreams {
    static let maximumConnections = MemoryBudget.dnsTCPConnections
    static let maximumFramingBytes = MemoryBudget.dnsFramingBytes

    struct Connection {
        /// Low -> high and high -> low.
        var low = DNSStreamDirection()
        var high = DNSStreamDirection()
        var finFromLow = false
        var finFromHigh = false
        /// Tells this connection from a later one on the same key in `order`.
        var serial: Int
    }

    private var connections: [FlowKey: Connection] = [:]
    /// Keys in the order their connections began; entries of connections gone since are
    /// skipped (and dropped when the queue holds twice the bound).
    private var order = Deque<(key: FlowKey, serial: Int)>()
    private var serial = 0
    /// Bytes held by every direction's framing buffer.
    var framingBytes = 0
    private(set) var evicted = 0
    /// Directions whose framing a gap (or the framing budget) broke: messages after it are
    /// not decoded.
    private(set) var gaps = 0

    var count: Int { connections.count }

    /// The connection of `key`, made new on a SYN without ACK (a new connection on the
    /// same 5-tuple) or when there is none and the segment carries data or a SYN (a last ACK
    /// after both FINs makes none); the caller puts it back with `store`.
    mutating func take(_ key: FlowKey, syn: Bool, create: Bool) -> Connection? {
        if let c = connections.removeValue(forKey: key) {
            if !syn { return c }
            release(c)
        }
        guard create || syn else { return nil }
        serial += 1
        order.append((key, serial))
        return Connection(serial: serial)
    }

    /// Puts a connection back after a segment, or lets it go when it closed (`ended`).
    mutating func store(_ c: Connection, _ key: FlowKey, ended: Bool, gapsBefore: Int) {
        gaps += max(0, Self.broken(c) - gapsBefore)
        if ended {
            release(c)
            return
        }
        connections[key] = c
        while connections.count > Self.maximumConnections, let first = order.popFirst() {
            guard let old = connections[first.key], old.serial == first.serial else { continue }
            connections[first.key] = nil
            release(old)
            evicted += 1
        }
        if order.count > 2 * Self.maximumConnections {
            order = Deque(order.filter { connections[$0.key]?.serial == $0.serial })
        }
    }

    /// Directions already broken in `c` (so `store` counts only new breaks).
    static func broken(_ c: Connection) -> Int {
        (c.low.framer.lostToGaps ? 1 : 0) + (c.high.framer.lostToGaps ? 1 : 0)
    }

    private mutating func release(_ c: Connection) {
        framingBytes -= c.low.framer.buffered + c.high.framer.buffered
    }

    mutating func removeAll() {
        connections = [:]
        order = []
        framingBytes = 0
    }
}
