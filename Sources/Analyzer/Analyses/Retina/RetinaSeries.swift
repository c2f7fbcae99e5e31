import CaptureFormats
import Dissectors
import Reports

/// Retina's packet and connection series that its standard dashboards read, as far as a
/// capture can honestly fill them (made only with a metrics format):
/// - per packet: `forward_count`/`forward_bytes` by direction (`TrafficDirection`), the same
///   by the pods at both ends (`adv_forward_*`), TCP packets by flag and direction, and
///   `interface_stats` `rx_packets`/`tx_packets` by observation point (received when the
///   link layer says so, else when the packet was `ingress`; sent likewise);
/// - per flow end: TCP connections by state and by remote address, resets, and open UDP flows
///   (`RetinaConnectionSeries`).
/// Series that count events start at zero at the first packet, so a capture in which none
/// happened says zero rather than nothing. Bytes are wire lengths.
///
/// Bounds: `seriesLimit` series (the rest counted as dropped); the labels of an address pair's
/// ends are cached for at most `cacheLimit` pairs (then the cache starts over); interfaces, as many as
/// `ObservationPoints.maximumPoints`. Packets are tallied per step (`StepTally`).
final class RetinaSeries: PassAnalysis {
    let ipProtocols: [UInt8] = Array(0...255)
    var wantsFlowEnds: Bool { true }
    static let cacheLimit = 1 << 16
    /// Series of this analysis's recorder (the rest counted as dropped): merged before the
    /// other analyses' series, so the per-pair series never crowd out the node's few.
    static let seriesLimit = 2_000

    private var recorder: MetricsRecorder
    private var tally = StepTally()
    private let boundary: NodeBoundary
    private var connections: RetinaConnectionSeries
    private let families: (count: Int, bytes: Int, advCount: Int, advBytes: Int, flags: Int, interfaces: Int)
    /// `interface_stats` tally slots by where a packet was read (input, interface, cooked
    /// header's interface index): (rx, tx), the series labelled with the place's number in
    /// `places` until the observation points are named (`metrics`).
    private var interfaceSlots: [Place: (rx: Int, tx: Int)] = [:]
    private var places: [Place] = []
    private var lastPlace = Place(input: -1, interface: -1, linkInterface: -1), lastSlots = (rx: -1, tx: -1)

    private struct Place: Hashable {
        var input: Int
        var interface: Int
        var linkInterface: Int32
    }
    /// Basic forward tally slots by direction (count, bytes), made on first use.
    private var forward: [(count: Int, bytes: Int)?] = Array(repeating: nil, count: TrafficDirection.allCases.count)
    /// TCP flag tally slots by direction, then `flagNames` order.
    private var flagSlots: [[Int]?] = Array(repeating: nil, count: TrafficDirection.allCases.count)
    private var ends: [EndsKey: (list: [Ends], made: Int64)] = [:]
    /// The last pairs' ends, direct-mapped by their addresses (`recentSlots` places): a packet
    /// of a recent pair needs no hashing.
    private var recent = [(key: EndsKey, list: [Ends], made: Int64)?](repeating: nil, count: RetinaSeries.recentSlots)
    static let recentSlots = 4096
    /// An address pair's ends are worked out anew after this long (ns): a pod's address may
    /// pass to another pod, and the directory says who held it when.
    static let refresh: Int64 = 10_000_000_000
    private var seeded = false

    /// The flag names the dashboards filter on (lower case), SYN with ACK counted as `synack`.
    static let flagNames = ["syn", "synack", "ack", "fin", "rst", "psh", "urg", "ece", "cwr"]

    private struct EndsKey: Hashable {
        var source: IPAddress
        var destination: IPAddress
    }

    /// One direction of a flow's packets: its tally slots (basic and advanced count, bytes).
    private struct Ends {
        var direction: TrafficDirection
        var count: Int, bytes: Int, advCount: Int, advBytes: Int
    }

    init?(context: PassContext) {
        guard context.retinaSeries,
            var recorder = context.metricsRecorder(reserving: MetricsRecorder.seriesLimit - Self.seriesLimit)
        else { return nil }
        let boundary = NodeBoundary(node: context.node, directory: context.pods)
        families = (
            recorder.family(MetricNames.forwardCount.0, MetricNames.forwardCount.1, .gauge),
            recorder.family(MetricNames.forwardBytes.0, MetricNames.forwardBytes.1, .gauge),
            recorder.family(MetricNames.advForwardCount.0, MetricNames.advForwardCount.1, .gauge),
            recorder.family(MetricNames.advForwardBytes.0, MetricNames.advForwardBytes.1, .gauge),
            recorder.family(MetricNames.tcpFlags.0, MetricNames.tcpFlags.1, .gauge),
            recorder.family(MetricNames.interfaceStats.0, MetricNames.interfaceStats.1, .gauge)
        )
        connections = RetinaConnectionSeries(boundary: boundary, recorder: &recorder)
        self.boundary = boundary
        self.recorder = recorder
    }

    func packet(_ frame: borrowing DecodedFrame, _ packet: PassPacket) {
        let time = packet.time, length = Double(packet.record.originalLength)
        if !seeded {
            seeded = true
            connections.seed(at: time, &recorder)
        }
        let step = recorder.spanStepStart(time)
        let key = EndsKey(source: frame.source, destination: frame.destination)
        let link = NodeBoundary.linkDirection(packet.record)
        let r =
            Int(truncatingIfNeeded: (key.source.low &* 0x9E37_79B9_7F4A_7C15 &+ key.destination.low) >> 20)
            & (Self.recentSlots - 1)
        let list: [Ends]
        if let hit = recent[r], hit.key == key, time &- hit.made < Self.refresh {
            list = hit.list
        } else {
            if let known = ends[key], time &- known.made < Self.refresh {
                list = known.list
            } else {
                list = makeEnds(key, time: time, linkDirection: link)
            }
            recent[r] = (key, list, time)
        }
        let isTCP = frame.isTCP, hasHeader = frame.hasTCPHeader  // read before `&&`: its operand is a closure
        let flags = isTCP && hasHeader ? frame.tcpFlags : nil
        for e in list {
            tally.add(e.count, 1, at: step, &recorder)
            tally.add(e.bytes, length, at: step, &recorder)
            tally.add(e.advCount, 1, at: step, &recorder)
            tally.add(e.advBytes, length, at: step, &recorder)
            if let flags { countFlags(flags, e.direction, at: time, step: step) }
        }
        let place = Place(input: packet.input, interface: packet.record.interface, linkInterface: frame.linkInterface)
        countAtInterface(place, link, list, at: time, step: step)
    }

    func flowEnded(_ flow: Flow) { connections.ended(flow, &recorder) }

    func write(into report: inout Report, rows: Int) {}

    func metrics(_ points: ObservationPoints) -> MetricsRecorder? {
        tally.flushAll(&recorder)
        // A point's interface name, or node:interface when the inputs span several nodes.
        let severalNodes = points.nodeNames.count > 1
        recorder.relabel(families.interfaces) { name, value in
            guard name == "interface_name", let i = Int(value), places.indices.contains(i) else { return value }
            let p = places[i]
            guard let point = points.find(input: p.input, interface: p.interface, linkInterface: p.linkInterface),
                points.points.indices.contains(point)
            else { return "if\(p.interface)" }
            return severalNodes ? points.points[point].id : points.points[point].interface
        }
        return recorder
    }

    /// A packet read at `place`: received (`rx_packets`) or sent (`tx_packets`) there, by the
    /// link layer's word, else by its directions at the node.
    private func countAtInterface(_ place: Place, _ link: TrafficDirection, _ list: [Ends], at time: Int64, step: Int64) {
        if place != lastPlace {
            if let known = interfaceSlots[place] {
                lastSlots = known
            } else {
                // As many places as the pass has points (a cooked header's index is the input's to choose).
                guard places.count < ObservationPoints.maximumPoints else { return recorder.countDropped() }
                let number = String(places.count)
                places.append(place)
                func make(_ statistic: String) -> Int {
                    let s = recorder.series(families.interfaces, [("interface_name", number), ("statistic_name", statistic)])
                    recorder.add(families.interfaces, series: s, at: time, 0)
                    return tally.slot(families.interfaces, s)
                }
                lastSlots = (make("rx_packets"), make("tx_packets"))
                interfaceSlots[place] = lastSlots
            }
            lastPlace = place
        }
        let rx = link == .unknown ? list.contains { $0.direction == .ingress } : link == .ingress
        let tx = link == .unknown ? list.contains { $0.direction == .egress } : link == .egress
        if rx { tally.add(lastSlots.rx, 1, at: step, &recorder) }
        if tx { tally.add(lastSlots.tx, 1, at: step, &recorder) }
    }

    /// The directions and tally slots of packets from one address to another, cached (pods
    /// resolved at the time of the packet that made them; anew after `refresh`).
    private func makeEnds(_ key: EndsKey, time: Int64, linkDirection: TrafficDirection) -> [Ends] {
        let source = boundary.side(key.source, at: time), destination = boundary.side(key.destination, at: time)
        let directions = boundary.directions(source, destination, linkDirection: linkDirection).all
        var list: [Ends] = []
        for d in directions {
            let basic = forwardSlots(d)
            guard !recorder.isFull else {
                // Every pair's labels are a series of their own: none can be made past the bound.
                list.append(Ends(direction: d, count: basic.count, bytes: basic.bytes, advCount: -1, advBytes: -1))
                continue
            }
            var labels: [(String, String)] = [("direction", d.label)]
            labels.reserveCapacity(11)
            RetinaLabels.append(.source, key.source, source.owner, boundary.directory, to: &labels)
            RetinaLabels.append(.destination, key.destination, destination.owner, boundary.directory, to: &labels)
            list.append(
                Ends(
                    direction: d, count: basic.count, bytes: basic.bytes,
                    advCount: tally.slot(families.advCount, recorder.series(families.advCount, labels)),
                    advBytes: tally.slot(families.advBytes, recorder.series(families.advBytes, labels))))
        }
        if ends.count >= Self.cacheLimit { ends.removeAll(keepingCapacity: true) }
        ends[key] = (list, time)
        return list
    }

    private func forwardSlots(_ d: TrafficDirection) -> (count: Int, bytes: Int) {
        if let known = forward[d.rawValue] { return known }
        let labels = [("direction", d.label)]
        let slots = (
            tally.slot(families.count, recorder.series(families.count, labels)),
            tally.slot(families.bytes, recorder.series(families.bytes, labels))
        )
        forward[d.rawValue] = slots
        return slots
    }

    private func countFlags(_ flags: TCP.Flags, _ d: TrafficDirection, at time: Int64, step: Int64) {
        if flagSlots[d.rawValue] == nil {
            // Every flag of this direction from zero: "no RST" is then a zero, not a gap.
            flagSlots[d.rawValue] = Self.flagNames.map { name in
                let s = recorder.series(families.flags, [("direction", d.label), ("flag", name)])
                if let s { recorder.add(families.flags, series: s, at: time, 0) }
                return tally.slot(families.flags, s)
            }
        }
        let slots = flagSlots[d.rawValue]!
        func count(_ i: Int) { tally.add(slots[i], 1, at: step, &recorder) }
        if flags.contains(.syn) { count(flags.contains(.ack) ? 1 : 0) } else if flags.contains(.ack) { count(2) }
        if flags.contains(.fin) { count(3) }
        if flags.contains(.rst) { count(4) }
        if flags.contains(.psh) { count(5) }
        if flags.contains(.urg) { count(6) }
        if flags.contains(.ece) { count(7) }
        if flags.contains(.cwr) { count(8) }
    }
}
