import Bundles
import CaptureFormats
import Dissectors
import EBPF
import Foundation

/// Turns the kernel programs' records into `events.jsonl` lines (`KernelEventLog`): times moved
/// from the kernel's monotonic clock to the packets' wall clock, addresses as "ip:port", TCP
/// states and drop reasons by name. Lines are buffered and written with the packets' flushes.
final class KernelEventWriter {
    let file: FileHandle
    let path: String
    private var buffer = ""
    private(set) var events = 0
    /// The file's size limit (a rotation's size, or --bytes): past it events are counted in
    /// `skipped`, not written, so a long recording keeps to its disk budget.
    let limit: Int?
    private var written = 0
    private(set) var skipped = 0
    /// Wall-clock nanoseconds minus monotonic nanoseconds, measured once at start.
    private let offset: Int64
    private let reasons: [UInt32: String]
    /// The node's network namespaces: events of others are left out (nil: every event kept).
    private let namespaces: NodeNamespaces?

    init(
        path: String, attached: [String], unavailable: [String], node: String, limit: Int? = nil,
        namespaces: NodeNamespaces? = nil
    ) throws(CaptureAgentError) {
        self.limit = limit
        self.namespaces = namespaces
        guard FileManager.default.createFile(atPath: path, contents: nil), let f = FileHandle(forWritingAtPath: path) else {
            throw CaptureAgentError("cannot write \(path)")
        }
        file = f
        self.path = path
        offset = Self.clockOffset()
        reasons = LibBPF.dropReasonNames()
        buffer = KernelEventLog.startLine(attached: attached, unavailable: unavailable, node: node) + "\n"
    }

    /// The pair of clock readings closest together of five: the offset is good to about a microsecond.
    static func clockOffset() -> Int64 {
        var best: (gap: Int64, offset: Int64) = (.max, 0)
        for _ in 0..<5 {
            var m1 = timespec(), r = timespec(), m2 = timespec()
            clock_gettime(CLOCK_MONOTONIC, &m1)
            clock_gettime(CLOCK_REALTIME, &r)
            clock_gettime(CLOCK_MONOTONIC, &m2)
            func ns(_ t: timespec) -> Int64 { Int64(t.tv_sec) * 1_000_000_000 + Int64(t.tv_nsec) }
            let gap = ns(m2) - ns(m1)
            if gap < best.gap { best = (gap, ns(r) - (ns(m1) + gap / 2)) }
        }
        return best.offset
    }

    static let tcpStates = [
        "", "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2", "TIME_WAIT", "CLOSE",
        "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING", "NEW_SYN_RECV", "BOUND_INACTIVE",
    ]

    static func state(_ s: UInt8) -> String { Int(s) < tcpStates.count && s > 0 ? tcpStates[Int(s)] : "STATE_\(s)" }

    /// "ip:port" / "[v6]:port" as the reports write them (`IPAddress.endpoint`), or the bare
    /// address when the protocol has no ports; nil without an address.
    static func endpoint(_ address: [UInt8], _ port: UInt16?) -> String? {
        func word(_ bytes: ArraySlice<UInt8>) -> UInt64 { bytes.reduce(0) { $0 << 8 | UInt64($1) } }
        let ip: IPAddress
        switch address.count {
        case 4: ip = IPAddress(v4: UInt32(truncatingIfNeeded: word(address[0..<4])))
        case 16: ip = IPAddress(high: word(address[0..<8]), low: word(address[8..<16]))
        default: return nil
        }
        return port.map { ip.endpoint(port: $0) } ?? ip.text
    }

    func add(_ r: KernelEventRecord) {
        if let namespaces, !namespaces.keeps(r.netns) { return }
        let kind: KernelEvent.Kind = r.kind == .retransmit ? .retransmit : r.kind == .state ? .state : .drop
        let wall = Int64(bitPattern: r.monotonicNanoseconds) &+ offset
        var e = KernelEvent(kind: kind, time: Double(wall) / 1e9, bytes: Int(r.bytes), netns: UInt64(r.netns), cgroup: r.cgroup)
        let ported = r.ipProtocol == 6 || r.ipProtocol == 17
        e.source = Self.endpoint(r.source, ported ? r.sourcePort : nil)
        e.destination = Self.endpoint(r.destination, ported ? r.destinationPort : nil)
        if r.family != 0 { e.transport = r.ipProtocol == 6 ? "tcp" : r.ipProtocol == 17 ? "udp" : String(r.ipProtocol) }
        switch r.kind {
        case .retransmit:
            e.sequence = r.sequence
            e.smoothedRtt = Double(r.smoothedRTTMicroseconds) / 1e6
            if r.dropReason != 0 { e.error = Int(r.dropReason) }
        case .state:
            e.fromState = Self.state(r.oldState)
            e.toState = Self.state(r.newState)
            e.smoothedRtt = Double(r.smoothedRTTMicroseconds) / 1e6
        case .drop:
            e.reason = reasons[r.dropReason] ?? "REASON_\(r.dropReason)"
            if r.ipProtocol == 6 && r.family != 0 { e.sequence = r.sequence }
        }
        let line = e.jsonLine
        // Room is kept for the stop line (under 100 bytes).
        if let limit, written + buffer.utf8.count + line.utf8.count + 101 > limit {
            skipped += 1
            return
        }
        buffer += line
        buffer += "\n"
        events += 1
    }

    /// Writes what is buffered; false when the write failed (a full disk).
    func flush() -> Bool {
        guard !buffer.isEmpty else { return true }
        defer { buffer = "" }
        let data = Data(buffer.utf8)
        guard (try? file.write(contentsOf: data)) != nil else { return false }
        written += data.count
        return true
    }

    func finish(lost: UInt64) {
        buffer += KernelEventLog.stopLine(lost: lost, skipped: skipped, otherNamespaces: namespaces?.leftOut ?? 0) + "\n"
        _ = flush()
        try? file.close()
    }
}
