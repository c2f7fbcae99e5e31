import Foundation

/// Where the evidence behind a finding is: the report's rows (a key path in the JSON report,
/// e.g. "tcp.flows"), a Wireshark display filter for its packets when one can say them, and
/// the flows behind it (their `id`s, worst first, for `loupe extract --flow` or `--finding`).
public struct Evidence: Codable, Sendable, Equatable {
    public var rows: String
    @Null public var displayFilter: String?
    public var flows: [String]
    /// Frame numbers of packets behind it (tshark's for one input), at most `framesListed`.
    public var frames: [Int]
    /// A capture filter (pcap-filter(7)) for its packets where one can say them, as near the
    /// display filter as BPF gets (it sees one packet: no pairing, the header at the start of
    /// a segment): what `loupe extract --finding` writes for a finding without flows.
    @Null public var captureFilter: String?

    public init(
        rows: String, displayFilter: String? = nil, flows: [String] = [], frames: [Int] = [],
        captureFilter: String? = nil
    ) {
        self.rows = rows
        self.displayFilter = displayFilter
        self.flows = flows
        self.frames = frames
        self.captureFilter = captureFilter
    }

    /// DNS responses with this rcode (the header's second flags byte, low nibble).
    static func dnsResponses(rcode: Int) -> String {
        "udp port 53 and udp[10] & 0x80 != 0 and udp[11] & 0x0f == \(rcode)"
    }

    public static let framesListed = 20

    /// Flows listed per finding, at most.
    public static let flowsListed = 10
}

/// The evidence of each finding id, from the finished report.
enum FindingEvidence {
    static func of(_ f: Finding, in r: Report) -> Evidence? {
        let tcpFlows = { (keep: (TCPFlowRow) -> Bool) in
            Array(r.tcp.flows.rows.filter(keep).prefix(Evidence.flowsListed).map(\.id))
        }
        switch f.id {
        case "capture.damaged", "capture.drops": return Evidence(rows: "inputs")
        case "capture.snaplen": return Evidence(rows: "inputs", displayFilter: "frame.cap_len < frame.len")
        case "capture.duplicates": return Evidence(rows: "sightings")
        case "capture.midStream": return Evidence(rows: "tcp.midStreamConnections", displayFilter: "tcp.completeness < 1")
        case "capture.oneSided": return Evidence(rows: "tcp.oneSidedConnections")
        case "capture.malformed": return Evidence(rows: "warnings", displayFilter: "_ws.malformed")
        case "capture.evicted": return Evidence(rows: "flowTable")
        case "capture.attribution": return Evidence(rows: "attribution.unknownTop")
        case "capture.kernelLost", "capture.kernelUnavailable": return Evidence(rows: "kernel")
        case "kernel.drops": return Evidence(rows: "kernel.dropReasons")
        case "kernel.retransmissionsNotOnWire": return Evidence(rows: "kernel.connections")
        case "kernel.wireMismatch": return Evidence(rows: "kernel", displayFilter: "tcp.analysis.retransmission")
        case "path.loss": return Evidence(rows: "path.losses")
        case "path.delay": return Evidence(rows: "path.hops")
        case "dns.latency": return Evidence(rows: "dns.transactionList", displayFilter: "dns.time > 0.1")
        case "dns.unanswered":
            return Evidence(rows: "dns.transactionList", displayFilter: "dns.flags.response == 0 && !dns.response_in")
        case "dns.servfail":
            return Evidence(
                rows: "dns.topSERVFAIL", displayFilter: "dns.flags.rcode == 2", captureFilter: Evidence.dnsResponses(rcode: 2))
        case "dns.searchPath":
            return Evidence(
                rows: "dns.searchPath", displayFilter: "dns.flags.rcode == 3", captureFilter: Evidence.dnsResponses(rcode: 3))
        case "tcp.retransmissions":
            let rows = r.tcp.flows.rows.filter { $0.retransmissions > 0 }.prefix(Evidence.flowsListed)
            let frames = Array(rows.flatMap(\.retransmittedFrames).sorted().prefix(Evidence.framesListed))
            return Evidence(
                rows: "tcp.flows", displayFilter: "tcp.analysis.retransmission || tcp.analysis.fast_retransmission",
                flows: rows.map(\.id), frames: frames)
        case "tcp.zeroWindows":
            return Evidence(rows: "tcp.flows", displayFilter: "tcp.analysis.zero_window", flows: tcpFlows { $0.zeroWindows > 0 })
        case "tcp.resets":
            let failed: Set<String> = ["refused", "abortedByClient", "abortedByServer"]
            return Evidence(
                rows: "tcp.flows", displayFilter: "tcp.flags.reset == 1",
                flows: tcpFlows { $0.resetKind.map(failed.contains) ?? false })
        case "tls.failures":
            // A TLS alert record (content type 21) at the start of a segment's payload.
            return Evidence(
                rows: "tls.sessions", displayFilter: "tls.alert_message.level == 2",
                captureFilter: "tcp and tcp[((tcp[12] & 0xf0) >> 2)] == 21")
        case "tls.certificateExpired", "tls.certificateExpiring":
            return Evidence(rows: "tls.sessions", displayFilter: "tls.handshake.type == 11")
        case "tls.latency":
            return Evidence(rows: "tls.byServer", displayFilter: "tls.handshake.type == 1 || tls.handshake.type == 2")
        case "apiServer.latency":
            return Evidence(rows: "apiServer.slowest", displayFilter: apiFilter(r), captureFilter: apiCaptureFilter(r))
        case "apiServer.errors", "apiServer.throttled", "apiServer.serverErrors":
            return Evidence(rows: "apiServer.errors", displayFilter: apiFilter(r), captureFilter: apiCaptureFilter(r))
        case "apiServer.slowLists":
            return Evidence(rows: "apiServer.slowLists", displayFilter: apiFilter(r), captureFilter: apiCaptureFilter(r))
        case "apiServer.watchChurn":
            return Evidence(rows: "apiServer.watchEnds", displayFilter: apiFilter(r), captureFilter: apiCaptureFilter(r))
        case "apiServer.errorBurst":
            return Evidence(rows: "apiServer.errorBurst", displayFilter: apiFilter(r), captureFilter: apiCaptureFilter(r))
        default: return nil
        }
    }

    /// The API server's endpoints ("ip:port", "[v6]:port") as host, port and whether IPv6.
    static func apiEndpoints(_ r: Report) -> [(host: String, port: Int, v6: Bool)] {
        r.apiServer.endpoints.compactMap { e in
            guard let colon = e.lastIndex(of: ":"), let port = Int(e[e.index(after: colon)...]) else { return nil }
            let host = String(e[..<colon])
            let v6 = host.hasPrefix("[")
            return (v6 ? String(host.dropFirst().dropLast()) : host, port, v6)
        }
    }

    /// The API server's endpoints as a capture filter ("host A and tcp port P", joined by or).
    static func apiCaptureFilter(_ r: Report) -> String? {
        let parts = apiEndpoints(r).map { "(host \($0.host) and tcp port \($0.port))" }
        return parts.isEmpty ? nil : parts.joined(separator: " or ")
    }

    /// The API server's endpoints as a display filter ("ip.addr==A && tcp.port==P", joined by ||).
    static func apiFilter(_ r: Report) -> String? {
        let parts = apiEndpoints(r).map { "(\($0.v6 ? "ipv6" : "ip").addr == \($0.host) && tcp.port == \($0.port))" }
        return parts.isEmpty ? nil : parts.joined(separator: " || ")
    }
}
