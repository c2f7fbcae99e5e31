import CaptureFormats
import Foundation

/// What the kernel saw during a capture, as `loupe-agent` writes it: `events.jsonl` in a
/// bundle (schema `loupe.events/1`, README "Kernel events"). One JSON object per line: first
/// `{"kind":"start",...}` (the tracepoints attached and those that were not), then one line per
/// event, then `{"kind":"stop","lost":N}`; a file without its stop line was cut short.
/// Times are seconds since the epoch on the packets' clock (the agent converts from the
/// kernel's monotonic clock).
public struct KernelEvent: Sendable, Equatable {
    public enum Kind: String, Sendable { case retransmit, state, drop }
    public var kind: Kind
    public var time: Double
    /// "ip:port" / "[v6]:port": the socket's local end (retransmit, state) or the packet's
    /// source (drop); nil when the kernel could not read it.
    public var source: String?
    public var destination: String?
    /// "tcp", "udp" or the IP protocol number.
    public var transport: String?
    /// retransmit (the segment's first sequence number) and TCP drops.
    public var sequence: UInt32?
    /// The socket's smoothed RTT, seconds (retransmit, state; TCP only).
    public var smoothedRtt: Double?
    /// state: the TCP states, as the kernel names them (`ESTABLISHED`, `FIN_WAIT1`, ...).
    public var fromState: String?
    public var toState: String?
    /// drop: the kernel's reason (`NETFILTER_DROP`, `TCP_INVALID_SEQUENCE`, ...).
    public var reason: String?
    /// retransmit: the errno when the send failed (the segment did not leave; e.g. 16, EBUSY).
    public var error: Int?
    public var bytes: Int
    public var netns: UInt64
    public var cgroup: UInt64

    public init(kind: Kind, time: Double, bytes: Int = 0, netns: UInt64 = 0, cgroup: UInt64 = 0) {
        self.kind = kind
        self.time = time
        self.bytes = bytes
        self.netns = netns
        self.cgroup = cgroup
    }

    /// The event as one line of the file (no newline). Keys sorted, absent values left out.
    public var jsonLine: String {
        var fields: [(String, String)] = [
            ("kind", quoted(kind.rawValue)), ("time", String(format: "%.9f", time)),
            ("bytes", String(bytes)), ("netns", String(netns)), ("cgroup", String(cgroup)),
        ]
        if let source { fields.append(("source", quoted(source))) }
        if let destination { fields.append(("destination", quoted(destination))) }
        if let transport { fields.append(("transport", quoted(transport))) }
        if let sequence { fields.append(("sequence", String(sequence))) }
        if let smoothedRtt { fields.append(("smoothedRtt", String(format: "%.6f", smoothedRtt))) }
        if let fromState { fields.append(("fromState", quoted(fromState))) }
        if let toState { fields.append(("toState", quoted(toState))) }
        if let reason { fields.append(("reason", quoted(reason))) }
        if let error { fields.append(("error", String(error))) }
        return "{" + fields.sorted { $0.0 < $1.0 }.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",") + "}"
    }

    init?(_ o: [String: Any]) {
        guard let k = o["kind"] as? String, let kind = Kind(rawValue: k), let time = (o["time"] as? NSNumber)?.doubleValue,
            time.isFinite
        else { return nil }
        // An skb's length is 32 bits: anything else is a damaged line, clamped rather than summed.
        let bytes = (o["bytes"] as? NSNumber).map { min(max($0.doubleValue, 0), Double(UInt32.max)) } ?? 0
        self.init(
            kind: kind, time: time, bytes: Int(bytes.isNaN ? 0 : bytes),
            netns: (o["netns"] as? NSNumber)?.uint64Value ?? 0, cgroup: (o["cgroup"] as? NSNumber)?.uint64Value ?? 0)
        source = o["source"] as? String
        destination = o["destination"] as? String
        transport = o["transport"] as? String
        sequence = (o["sequence"] as? NSNumber).map { $0.uint32Value }
        smoothedRtt = (o["smoothedRtt"] as? NSNumber)?.doubleValue
        fromState = o["fromState"] as? String
        toState = o["toState"] as? String
        reason = o["reason"] as? String
        error = (o["error"] as? NSNumber)?.intValue
    }
}

/// JSON string literal with the escapes JSON requires.
private func quoted(_ s: String) -> String {
    var out = "\""
    for u in s.unicodeScalars {
        switch u {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case _ where u.value < 0x20: out += String(format: "\\u%04x", u.value)
        default: out.unicodeScalars.append(u)
        }
    }
    return out + "\""
}

public enum KernelEventLog {
    public static let schema = "loupe.events/1"

    /// The start line: which tracepoints ran and which could not.
    public static func startLine(attached: [String], unavailable: [String], node: String) -> String {
        "{\"attached\":[\(attached.map(quoted).joined(separator: ","))],\"kind\":\"start\",\"node\":\(quoted(node)),"
            + "\"schema\":\"\(schema)\",\"unavailable\":[\(unavailable.map(quoted).joined(separator: ","))]}"
    }

    /// `skipped`: events not written because the file reached its size limit;
    /// `otherNamespaces`: events of network namespaces not the node's, left out.
    public static func stopLine(lost: UInt64, skipped: Int = 0, otherNamespaces: Int = 0) -> String {
        "{\"kind\":\"stop\",\"lost\":\(lost),\"otherNamespaces\":\(otherNamespaces),\"skipped\":\(skipped)}"
    }

    /// The facts of a file besides its events.
    public struct Header: Sendable, Equatable {
        public var attached: [String] = []
        public var unavailable: [String] = []
        /// Events the kernel could not queue (its ring buffer was full).
        public var lost = 0
        /// Events the agent did not write: the file had reached its size limit.
        public var skipped = 0
        /// Events of other network namespaces than the node's, left out (`NodeNamespaces`).
        public var otherNamespaces = 0
        /// The stop line was there (the agent finished the file).
        public var complete = false
        /// Lines that were not events (line numbers and why), at most 10 kept.
        public var badLines: [String] = []
        public var badLineCount = 0
    }

    /// Reads `path` line by line, handing each event to `body`; never holds the whole file.
    /// An unreadable file throws; bad lines are counted and the rest still read.
    public static func read(path: String, _ body: (KernelEvent) -> Void) throws(CaptureOpenError) -> Header {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw CaptureOpenError(path: path, "cannot open") }
        defer { try? handle.close() }
        var header = Header()
        var pending = Data()
        var lineNumber = 0
        func line(_ bytes: Data) {
            lineNumber += 1
            guard !bytes.isEmpty else { return }
            guard let o = (try? JSONSerialization.jsonObject(with: bytes)) as? [String: Any] else {
                return bad("line \(lineNumber): not a JSON object")
            }
            switch o["kind"] as? String {
            case "start":
                if let s = o["schema"] as? String, s != schema { bad("line \(lineNumber): schema \(s), expected \(schema)") }
                header.attached = o["attached"] as? [String] ?? []
                header.unavailable = o["unavailable"] as? [String] ?? []
            case "stop":
                header.complete = true
                func count(_ key: String) -> Int {
                    let v = (o[key] as? NSNumber)?.doubleValue ?? 0
                    return v.isNaN ? 0 : Int(min(max(v, 0), Double(UInt32.max)))
                }
                header.lost = count("lost")
                header.skipped = count("skipped")
                header.otherNamespaces = count("otherNamespaces")
            default:
                guard let event = KernelEvent(o) else { return bad("line \(lineNumber): not an event") }
                body(event)
            }
        }
        func bad(_ why: String) {
            header.badLineCount += 1
            if header.badLines.count < 10 { header.badLines.append(why) }
        }
        while true {
            let chunk: Data
            do { chunk = try handle.read(upToCount: 1 << 20) ?? Data() } catch {
                throw CaptureOpenError(path: path, "read failed after line \(lineNumber): \(error.localizedDescription)")
            }
            if chunk.isEmpty { break }
            pending.append(chunk)
            var start = pending.startIndex
            while let newline = pending[start...].firstIndex(of: 0x0A) {
                line(pending[start..<newline])
                start = newline + 1
            }
            pending = Data(pending[start...])
            // A line longer than 1 MB is no event: drop it rather than grow without bound.
            if pending.count > 1 << 20 { bad("line \(lineNumber + 1): longer than 1 MB"); pending = Data() }
        }
        if !pending.isEmpty { line(pending) }
        return header
    }
}
