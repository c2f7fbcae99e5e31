import Dissectors
import Reports

/// Retina's connection gauges and counters, from each flow at its end (`RetinaSeries`): a
/// gauge is +1 at the flow's first packet and -1 at its last when it closed, so its value at
/// a step's end is what was open then; a flow not seen closing stays open to the capture's
/// end.
/// - `tcp_state`: `SYN_SENT` for a connection whose SYN was never answered, else
///   `ESTABLISHED` (the wire does not show the kernel's other states reliably);
/// - `tcp_connection_remote`: by the address of the connection's end off the node (the
///   server's when both ends or neither are on it);
/// - `tcp_connection_stats{statistic_name="resetcount"}`: connections ended by a reset, at
///   their last packet (the TCP analysis adds `tcptimeouts` and `tcptsreorder`);
/// - `udp_connection_stats{statistic_name="active"}`: UDP flows open (DNS over UDP is
///   counted apart from the flow table, so it is not among them).
struct RetinaConnectionSeries {
    let boundary: NodeBoundary
    private let families: (state: Int, remote: Int, stats: Int, udp: Int)
    private var states: (synSent: Int?, established: Int?) = (nil, nil)
    private var resets: Int?
    private var udpActive: Int?
    /// Series by remote address (as many as the recorder holds).
    private var remotes: [IPAddress: Int] = [:]

    init(boundary: NodeBoundary, recorder: inout MetricsRecorder) {
        self.boundary = boundary
        families = (
            recorder.family(MetricNames.tcpState.0, MetricNames.tcpState.1, .gauge),
            recorder.family(MetricNames.tcpConnectionRemote.0, MetricNames.tcpConnectionRemote.1, .gauge),
            recorder.family(MetricNames.tcpConnectionStats.0, MetricNames.tcpConnectionStats.1, .gauge),
            recorder.family(MetricNames.udpConnectionStats.0, MetricNames.udpConnectionStats.1, .gauge)
        )
    }

    /// Every series a capture without events of its kind still has, at zero from `time` (the
    /// first packet): none open, none reset.
    mutating func seed(at time: Int64, _ recorder: inout MetricsRecorder) {
        states.synSent = recorder.series(families.state, [("state", "SYN_SENT")])
        states.established = recorder.series(families.state, [("state", "ESTABLISHED")])
        resets = recorder.series(families.stats, [("statistic_name", MetricNames.resetCount)])
        udpActive = recorder.series(families.udp, [("statistic_name", "active")])
        for (f, s) in [
            (families.state, states.synSent), (families.state, states.established),
            (families.stats, resets), (families.udp, udpActive),
        ] {
            recorder.add(f, series: s, at: time, 0)
        }
        for name in [MetricNames.tcpTimeouts, MetricNames.tcpTSReorder] {
            recorder.add(families.stats, series: recorder.series(families.stats, [("statistic_name", name)]), at: time, 0)
        }
    }

    mutating func ended(_ flow: Flow, _ recorder: inout MetricsRecorder) {
        let first = flow.firstSeen, last = flow.lastSeen, closed = flow.isClosed
        switch flow.key.ipProtocol {
        case IPProtocol.tcp:
            let answered = flow.packetsFromLow > 0 && flow.packetsFromHigh > 0
            let state = !answered && flow.clientFromSYN ? states.synSent : states.established
            open(families.state, state, first, closed ? last : nil, &recorder)
            let remote = remoteSeries(flow, &recorder)
            open(families.remote, remote, first, closed ? last : nil, &recorder)
            if flow.reset { recorder.add(families.stats, series: resets, at: last) }
        case IPProtocol.udp:
            open(families.udp, udpActive, first, last, &recorder)
        default:
            break
        }
    }

    /// +1 at `from`, -1 at `to` (when it closed).
    private func open(_ f: Int, _ s: Int?, _ from: Int64, _ to: Int64?, _ recorder: inout MetricsRecorder) {
        recorder.add(f, series: s, at: from)
        if let to { recorder.add(f, series: s, at: to, -1) }
    }

    private mutating func remoteSeries(_ flow: Flow, _ recorder: inout MetricsRecorder) -> Int? {
        let k = flow.key, time = flow.firstSeen
        let low = boundary.side(k.lowAddress, at: time).local, high = boundary.side(k.highAddress, at: time).local
        let address: IPAddress
        if low == true && high != true {
            address = k.highAddress
        } else if high == true && low != true {
            address = k.lowAddress
        } else {
            address = flow.clientIsLow ? k.highAddress : k.lowAddress
        }
        if let known = remotes[address] { return known }
        let s = recorder.series(families.remote, [("address", address.text)])
        if let s { remotes[address] = s }
        return s
    }
}
