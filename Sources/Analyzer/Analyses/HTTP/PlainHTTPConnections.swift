import Dissectors

/// The live cleartext HTTP connections of a pass (`PlainHTTPStream`), by index: the TLS
/// analysis, which classifies each connection's first payload segments, keeps a connection's
/// index in its slot. Bounds (said in the report when reached):
/// - `maximumLive` connections read at once; a connection found past it is not read
///   (`notRead`);
/// - `maximumHeldBytes` of requests and reader buffers over the live connections
///   (`PlainHTTPStream.footprint`); the connection whose segment passes it stops being read
///   there (`stopped`), keeping the requests it had. A segment adds at most one HTTP/2
///   frame or header block (`HTTP2Conversation.maximumBuffered`) before the test.
/// Their reassembly is charged to the TLS analysis's budget (`MemoryBudget.streamBytes`).
struct PlainHTTPConnections {
    static let maximumLive = 1000
    static let maximumHeldBytes = 4 << 20

    private var streams: [PlainHTTPStream] = []
    private var free: [Int32] = []
    private(set) var live = 0
    /// Bytes the live connections hold (their footprints).
    private(set) var held = 0
    /// Connections that began HTTP while `maximumLive` were being read.
    private(set) var notRead = 0
    /// Connections stopped by `maximumHeldBytes`.
    private(set) var stopped = 0

    /// A new connection: its index, or nil past the bound.
    mutating func start(clientIsLow: Bool) -> Int32? {
        guard live < Self.maximumLive else {
            notRead += 1
            return nil
        }
        live += 1
        let fresh = PlainHTTPStream(clientIsLow: clientIsLow)
        if let reused = free.popLast() {
            streams[Int(reused)] = fresh
            return reused
        }
        streams.append(fresh)
        return Int32(streams.count - 1)
    }

    mutating func segment(
        _ index: Int32, fromLow: Bool, _ frame: borrowing DecodedFrame, time: Int64,
        budget: inout ReassemblyBudget
    ) {
        let i = Int(index)
        guard !streams[i].stopped else { return }
        let payload = UnsafeRawBufferPointer(start: frame.payload.base.baseAddress, count: frame.payload.count)
        let before = streams[i].footprint
        streams[i].segment(
            fromLow: fromLow, sequence: frame.sequenceNumber, ack: frame.acknowledgmentNumber,
            flags: frame.tcpFlags, payload: payload, time: time, budget: &budget)
        held += streams[i].footprint - before
        if held > Self.maximumHeldBytes {
            let full = streams[i].footprint
            streams[i].stop()
            held -= full - streams[i].footprint
            stopped += 1
        }
    }

    /// The connection ended: its conversation, read to the end, and its index freed.
    mutating func finish(_ index: Int32, budget: inout ReassemblyBudget) -> (http: HTTPConversation, clientIsLow: Bool) {
        var s = PlainHTTPStream(clientIsLow: true)
        swap(&s, &streams[Int(index)])  // moved out: a copy would retain what the stream holds
        held -= s.footprint
        s.finish(budget: &budget)
        free.append(index)
        live -= 1
        return (s.http, s.clientIsLow)
    }

    /// The bounds reached, as the report says them.
    var warnings: [String] {
        var out: [String] = []
        if notRead > 0 {
            out.append("\(notRead) cleartext HTTP connections not read: more than \(Self.maximumLive) open at once")
        }
        if stopped > 0 {
            out.append(
                "\(stopped) cleartext HTTP connections stopped being read: more than "
                    + "\(Self.maximumHeldBytes >> 20) MiB of requests and buffers held over all")
        }
        return out
    }
}
