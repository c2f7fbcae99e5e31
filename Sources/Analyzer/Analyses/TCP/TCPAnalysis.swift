import CPrefetch
import CaptureFormats
import Dissectors
import Reports

/// TCP analysis over a whole pass: a `TCPConnection` per TCP flow (found through the
/// flow's `analysisSlot`), folded into totals, histograms and the worst-connections list
/// when the flow ends. Memory: live connections only (the flow table bounds them).
struct TCPAnalysis {
    /// What is kept of a finished connection until the report is built.
    struct Finished: Ranked {
        var flow: Flow
        var counts: TCPCounts
        var initialRTT: Int64
        var zeek: ZeekConnState
        /// The frame numbers of its first retransmissions (`retransmittedFramesKept`).
        var retransmittedFrames: [Int] = []

        /// Worst first: retransmissions, lost segments, zero windows, resets, out-of-order,
        /// duplicate ACKs, bytes; then first seen.
        static func ranksBelow(_ a: Finished, _ b: Finished) -> Bool {
            let x = a.counts, y = b.counts
            let keys: [(Int, Int)] = [
                (Int(x.retransmissions), Int(y.retransmissions)),
                (Int(x.lostSegments), Int(y.lostSegments)), (Int(x.zeroWindows), Int(y.zeroWindows)),
                (Int(x.resets), Int(y.resets)), (Int(x.outOfOrder), Int(y.outOfOrder)),
                (Int(x.duplicateAcks), Int(y.duplicateAcks)), (x.bytes, y.bytes),
            ]
            for (p, q) in keys where p != q { return p < q }
            return a.flow.serial > b.flow.serial
        }
    }

    private var connections: [TCPConnection] = []
    private var free: [Int32] = []
    private(set) var totals = TCPCounts()
    private(set) var streams = 0
    private(set) var midStream = 0
    private(set) var oneSided = 0
    /// Connections whose first RST was of each kind (`TCPResetKind.rawValue`).
    private(set) var resetKinds = [Int](repeating: 0, count: TCPResetKind.allCases.count)
    private(set) var initialRTT = LatencyHistogram()
    private(set) var ackRTTClientToServer = LatencyHistogram()
    private(set) var ackRTTServerToClient = LatencyHistogram()
    private(set) var worst: TopK<Finished>
    /// The wire's side of a connection the kernel retransmitted on.
    struct WireCount {
        /// Connections on this 4-tuple the capture shows (ports can be reused).
        var connections = 0
        var retransmissions = 0
        var outOfOrder = 0
    }
    /// With kernel events: the connections they name, filled in as those connections finish.
    var kernelWatch: [FlowKey: WireCount]?
    /// When set, every analysed segment's flags by frame number (for tests against tshark's
    /// per-frame `tcp.analysis.*` fields; off in normal runs).
    var trace: [Int: TCPAnalysisFlags]?

    init(rows: Int) {
        worst = TopK(capacity: rows)
    }

    /// Analyses one segment of `flow` (whose counters the caller has already updated).
    /// `timestamp` is the packet's (nil: none; `time` is then the capture clock's guess).
    /// Times inside a connection are nanoseconds from the flow's first second, so they stay
    /// exact even where nanoseconds since the epoch overflow (a corpus file is in year
    /// 586524) .
    mutating func segment(
        _ frame: DecodedFrame, slot: inout Int32, clientIsLow: Bool, firstSecond: Int64,
        fromLow: Bool, time: Int64, timestamp: Timestamp?, wireLength: Int, reused: Bool,
        frameNumber: Int
    ) {
        if slot < 0 {
            var connection = TCPConnection()
            connection.reusedPorts = reused
            if let reusedSlot = free.popLast() {
                connections[Int(reusedSlot)] = connection
                slot = reusedSlot
            } else {
                slot = Int32(connections.count)
                connections.append(connection)
            }
            streams += 1
        }
        guard frame.hasTCPHeader else {
            // Ports but no whole header (cut or malformed): the packet belongs to the stream,
            // as in tshark, but there is nothing to analyse.
            connections[Int(slot)].counts.packets += 1
            connections[Int(slot)].counts.bytes &+= wireLength
            connections[Int(slot)].counts.payloadBytes &+= frame.payloadDeclaredLength
            return
        }
        let relative = timestamp.map { Self.nanoseconds($0, since: firstSecond) } ?? time
        let s = TCPSequenceAnalysis.Segment(
            sequence: frame.sequenceNumber, ack: frame.acknowledgmentNumber,
            length: UInt32(clamping: frame.payloadDeclaredLength),
            flags: frame.tcpFlags.rawValue, window: UInt32(frame.window), time: relative)
        let options = frame.tcpFlags.contains(.syn) ? TCP.Options(frame.tcpOptions) : nil
        let (flags, rtt) = connections[Int(slot)].process(
            s, fromLow: fromLow, clientIsLow: clientIsLow,
            options: options, wireLength: wireLength)
        if trace != nil, !flags.isEmpty { trace![frameNumber] = flags }
        if flags.isAnyRetransmission, retransmittedFrames[slot, default: []].count < Self.retransmittedFramesKept {
            retransmittedFrames[slot, default: []].append(frameNumber)
        }
        if isPresent(&metrics), flags.isAnyRetransmission || flags.contains(.outOfOrder) {
            recordSteps(flags, slot, fromLow, time)
        }
        if let rtt {
            // The ACK travels from the peer of whoever sent the data.
            let ackFromClient = fromLow == clientIsLow
            if ackFromClient {
                ackRTTServerToClient.record(nanoseconds: rtt)
            } else {
                ackRTTClientToServer.record(nanoseconds: rtt)
            }
        }
    }

    /// Retransmissions per step of the connection in `slot`, and Retina's wire counts of
    /// timeouts (retransmissions but fast ones) and reordering (out-of-order segments).
    @inline(never)
    private mutating func recordSteps(_ flags: TCPAnalysisFlags, _ slot: Int32, _ fromLow: Bool, _ time: Int64) {
        if flags.isAnyRetransmission {
            retransmissionSteps[slot, default: [:]][metrics!.stepStart(time), default: (0, 0)].0 += fromLow ? 1 : 0
            retransmissionSteps[slot, default: [:]][metrics!.stepStart(time), default: (0, 0)].1 += fromLow ? 0 : 1
        }
        guard retinaStats else { return }
        let f = metrics!.family(MetricNames.tcpConnectionStats.0, MetricNames.tcpConnectionStats.1, .gauge)
        if flags.isAnyRetransmission && !flags.contains(.fastRetransmission) {
            metrics!.add(f, [("statistic_name", MetricNames.tcpTimeouts)], at: time)
        }
        if flags.contains(.outOfOrder) { metrics!.add(f, [("statistic_name", MetricNames.tcpTSReorder)], at: time) }
    }

    /// Nanoseconds from `base` whole seconds to `t`, saturating.
    static func nanoseconds(_ t: Timestamp, since base: Int64) -> Int64 {
        let (seconds, o1) = t.seconds.subtractingReportingOverflow(base)
        let (ns, o2) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        let (sum, o3) = ns.addingReportingOverflow(Int64(t.nanoseconds))
        if o1 || o2 || o3 { return seconds < 0 ? .min : .max }
        return sum
    }

    /// Per-pod figures, when the pass has cluster metadata.
    var podStats: PodStats?
    /// Metric series (with a metrics format): retransmissions per step of each live connection,
    /// keyed by the step's start (ns: still right when the step grows meanwhile), (from low,
    /// from high), labelled when the connection ends.
    var metrics: MetricsRecorder?
    var directory: PodDirectory?
    /// `--format ndjson`: every connection as a record when it ends.
    var records: RecordWriter?
    /// Retina's wire counts of timeouts and reordering too (the metrics formats).
    var retinaStats = false
    private var retransmissionSteps: [Int32: [Int64: (Int, Int)]] = [:]
    /// Live connections' first retransmissions by frame number (a finding's evidence), only
    /// for connections that retransmitted. Bound: `retransmittedFramesKept` a connection.
    private var retransmittedFrames: [Int32: [Int]] = [:]
    static let retransmittedFramesKept = 5

    /// The closed connection in `flow` has been quiet for a while: the storage of its
    /// unacknowledged-segment lists goes back when they are empty (up to 1 KB a side,
    /// otherwise kept for the 60 s the closed flow is held).
    mutating func settle(_ flow: Flow) {
        let slot = Int(flow.analysisSlot)
        guard slot >= 0, slot < connections.count else { return }
        if connections[slot].low.unacked.isEmpty && connections[slot].low.unacked.capacity > 0 {
            connections[slot].low.unacked = []
        }
        if connections[slot].high.unacked.isEmpty && connections[slot].high.unacked.capacity > 0 {
            connections[slot].high.unacked = []
        }
    }

    /// Folds a finished flow's connection into the totals and frees its state; returns what
    /// the API-server analysis reads: its initial RTT (0: none), how its first RST came, and
    /// whether its SYN was seen (nil: the flow had no connection).
    @discardableResult
    mutating func finish(
        _ flow: Flow, owners: FlowOwners? = nil
    )
        -> (initialRTT: Int64, resetKind: TCPResetKind?, handshakeSeen: Bool)?
    {
        guard flow.analysisSlot >= 0 else { return nil }
        let slot = Int(flow.analysisSlot)
        // Read in place, not copied (a copy retains the connection's lists and history); the
        // slot is overwritten when it is reused, and its lists' storage goes back below.
        let counts = connections[slot].counts, rtt = connections[slot].initialRTT, zeek = connections[slot].zeek
        if let owners, isPresent(&podStats) {
            for pod in owners.pods { podStats!.tcpConnection(pod, counts, initialRTT: rtt) }
        }
        if isPresent(&metrics), let steps = retransmissionSteps.removeValue(forKey: flow.analysisSlot) {
            let k = flow.key
            func labels(from: Bool) -> [(String, String)] {
                var labels: [(String, String)] = []
                labels.reserveCapacity(10)
                RetinaLabels.append(
                    .source, from ? k.lowAddress : k.highAddress, from ? owners?.low : owners?.high,
                    directory, to: &labels)
                RetinaLabels.append(
                    .destination, from ? k.highAddress : k.lowAddress,
                    from ? owners?.high : owners?.low, directory, to: &labels)
                return labels
            }
            let fromLow = labels(from: true), fromHigh = labels(from: false)
            let f = metrics!.family(MetricNames.tcpRetransmissions.0, MetricNames.tcpRetransmissions.1, .gauge)
            for (start, per) in steps {
                if per.0 > 0 { metrics!.add(f, fromLow, at: start, Double(per.0)) }
                if per.1 > 0 { metrics!.add(f, fromHigh, at: start, Double(per.1)) }
            }
        }
        totals.add(counts)
        if kernelWatch != nil, let i = kernelWatch!.index(forKey: flow.key) {
            kernelWatch!.values[i].connections += 1
            kernelWatch!.values[i].retransmissions += Int(counts.retransmissions)
            kernelWatch!.values[i].outOfOrder += Int(counts.outOfOrder)
        }
        if !zeek.sawSYN { midStream += 1 }
        if flow.packetsFromLow == 0 || flow.packetsFromHigh == 0 { oneSided += 1 }
        if let kind = zeek.resetKind { resetKinds[Int(kind.rawValue)] += 1 }
        if rtt != 0 { initialRTT.record(nanoseconds: rtt) }
        let frames = counts.retransmissions > 0 ? retransmittedFrames.removeValue(forKey: flow.analysisSlot) ?? [] : []
        let finished = Finished(flow: flow, counts: counts, initialRTT: rtt, zeek: zeek, retransmittedFrames: frames)
        if let records { record(finished, owners, records) }
        worst.offer(finished)
        if connections[slot].low.unacked.capacity > 0 { connections[slot].low.unacked = [] }
        if connections[slot].high.unacked.capacity > 0 { connections[slot].high.unacked = [] }
        free.append(Int32(slot))
        return (rtt, zeek.resetKind, zeek.sawSYN)
    }

    /// A hint that the connection in `slot` ends soon (a full flow table's next victims):
    /// stage 0 loads its state; stage 1, its state loaded since, the storage of its
    /// unacknowledged lists, which `finish` reads. Reads no list itself (an array is one
    /// reference to its storage; the reference is read as the word it is, without a retain).
    /// Mutating only so that callers reach the analysis in place rather than copy it.
    mutating func prefetch(slot: Int32, stage: Int) {
        let s = Int(slot)
        guard s >= 0, s < connections.count else { return }
        connections.withUnsafeBytes { raw in
            let stride = MemoryLayout<TCPConnection>.stride
            let base = raw.baseAddress! + s * stride
            if stage == 0 {
                for offset in Swift.stride(from: 0, to: stride, by: 64) { loupe_prefetch(base + offset) }
                loupe_prefetch(base + stride - 1)
            } else {
                for list in Self.listOffsets { loupe_prefetch(base.load(fromByteOffset: list, as: UnsafeRawPointer.self)) }
            }
        }
    }

    /// Where the two unacknowledged lists' references sit in a `TCPConnection`.
    private static let listOffsets = [
        MemoryLayout<TCPConnection>.offset(of: \TCPConnection.low.unacked)!,
        MemoryLayout<TCPConnection>.offset(of: \TCPConnection.high.unacked)!,
    ]
}
