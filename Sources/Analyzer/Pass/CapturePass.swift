import CaptureFormats
import Dissectors
import Foundation
import Reports

/// One pass over the inputs: read, filter, decode, reassemble fragments, track flows and
/// run every analysis asked for. `loupe summary` and `loupe report` both build on it, so a
/// report never reads a capture twice.
struct CapturePass {
    struct Options {
        var filter: String?
        var rows = 20
        /// Keep the largest conversations (`loupe summary` lists them; a report does not).
        var listConversations = true
        /// Count packets per layer path (`loupe summary`'s protocol hierarchy; a report does
        /// not show it, and it cost the report's pass 2%, measured).
        var protocolHierarchy = true
        var flowLimits = FlowTable.Limits()
        var analyzeTCP = false
        var analyzeDNS = false
        var analyzeTLS = false
        var clusterDomain = "cluster.local"
        var dnsTimeout: Int64 = 5_000_000_000
        var dnsNames = 1 << 18
        /// DNS on a thread of its own when there are two cores or more (`DNSStage`): the
        /// analysis when it runs, else DNS over UDP's conversations alone.
        var dnsThread = true
        /// Keep every TCP segment's analysis flags by frame number (tests only).
        var traceTCP = false
        var traceExchanges = false
        /// Cluster metadata (`--pods`): attribution, per-pod figures, API-server endpoints.
        var pods: PodDirectory?
        /// API-server endpoints given on the command line, added to the metadata's.
        var apiServers: [PodDirectory.Endpoint] = []
        /// TLS secrets given (`--tls-keylog`, a bundle's key logs); a capture's Decryption
        /// Secrets Blocks are added as they are read.
        var keyLog = TLSKeyLog()
        /// Every input one observation point (`--same-point`).
        var samePoint = false
        /// Per input, the node and interfaces its bundle names (`CaptureOrigin`).
        var origins: [CaptureOrigin] = []
        /// The plug-in analyses to run (`AnalysisRegistry`; none for `loupe summary`).
        var analyses: [AnalysisRegistry.Entry] = []
        var podFilter = PodFilter()
        /// With a metrics format: the series' step in nanoseconds (`--step`).
        var metricsStep: Int64?
        /// With a metrics format and no `--step`: the step chosen from the capture's length
        /// (`StepLadder`).
        var metricsStepFromCapture = false
        /// What `PassContext.node` and `.retinaSeries` say.
        var captureNode: String?, retinaSeries = false
        /// `--format ndjson`: where the analyses write their records.
        var records: RecordWriter?
        /// Run on the finished DNS analysis (`DNSStage`); the result is `sinks.dns.section`.
        var dnsEpilogue: (@Sendable (inout DNSAnalysis) -> DNSSection)?
        /// Per input, the nanoseconds subtracted from its records' times (`ClockPrescan`,
        /// `MergingReader.shifts`); nil: the pass finds them.
        var clockShifts: [Int64]?
        /// Connections named by kernel events: the TCP analysis counts the wire's
        /// retransmissions on each.
        var kernelConnections: [FlowKey] = []
    }

    /// Progress is reported every this many packets (never per packet).
    static let progressInterval = 1 << 16

    var merger: MergingReader
    var files: [FileStats]
    var hierarchy = ProtocolHierarchy()
    var flows: FlowTable
    var sinks: FlowSinks
    var defragmenter = IPDefragmenter()
    var clock = CaptureClock()
    var filter: PacketFilter?
    var matched = 0
    var malformed = MalformedLog()
    var sightings: Sightings

    /// Throws `CaptureOpenError` or `FilterError` (both exit status 2) before reading.
    static func run(paths: [String], options: Options, progress: ((Int) -> Void)?) throws -> CapturePass {
        let filter = try options.filter.map { expression throws(FilterError) in try PacketFilter(expression) }
        var readers: [CaptureReader] = []
        for path in paths { readers.append(try CaptureReader(path: path)) }
        // The packet loop works on local state (not on `self`): measured, the same loop as a
        // mutating method cost ~55 more instructions a packet in compiler-generated accesses.
        var merger = MergingReader(readers)
        // Nodes whose clocks are further apart than the sightings window: shifted first.
        let nodes = ObservationPoints.initialNodes(paths: paths, origins: options.origins)
        let shifts = options.samePoint ? [] : options.clockShifts ?? ClockPrescan.shifts(paths: paths, nodes: nodes)
        merger.shifts = shifts
        var files = Array(repeating: FileStats(), count: paths.count)
        var hierarchy = ProtocolHierarchy(enabled: options.protocolHierarchy)
        var flows = FlowTable(limits: options.flowLimits)
        let conversationRows = options.listConversations ? options.rows : 0
        var sinks = FlowSinks(common: ConversationSink(conversations: TopK(capacity: conversationRows)))
        var defragmenter = IPDefragmenter()
        var clock = CaptureClock()
        var matched = 0
        var malformed = MalformedLog()
        var sightings = Sightings(paths: paths, samePoint: options.samePoint, origins: options.origins)
        for (node, shift) in zip(nodes, shifts) where shift != 0 { sightings.clockShifts[node] = shift }
        var dns = options.analyzeDNS ? DNSAnalysis(rows: options.rows, names: options.dnsNames) : nil
        dns?.records = options.records
        let context = PassContext(
            pods: options.pods, metricsStep: options.metricsStep,
            metricsAdaptive: options.metricsStep == nil && options.metricsStepFromCapture,
            node: options.captureNode, retinaSeries: options.retinaSeries, rows: options.rows,
            apiServers: Set(options.apiServers), records: options.records)
        sinks.plugins = PassAnalyses(options.analyses.compactMap { $0.make(context) })
        if let pods = options.pods {
            sinks.common.attribution = AttributionCounter(directory: pods)
            sinks.common.natPairs = ServiceNATPairs(directory: pods)
            dns?.pods = pods
            dns?.podStats = PodStats()
            if !options.podFilter.isEmpty {
                sinks.selection = PodSelection(directory: pods, pods: options.podFilter.selected(in: pods))
            }
        }
        // With a metrics format, one recorder (copied to each analysis, merged after the
        // pass), with one place kept for the packet series.
        let recorder = context.metricsRecorder(reserving: 1)
        sinks.connections = ConnectionStage(options, recorder: recorder)
        if let recorder {
            dns?.metrics = recorder
            dns?.metricSeries.withBasic = options.retinaSeries
            sinks.packetSteps = PacketSteps(step: recorder.step, adaptive: recorder.adaptive)
        }
        dns?.searchPath = SearchPathDetector(clusterDomain: options.clusterDomain)
        dns?.retransmissionTimeout = options.dnsTimeout
        let attributed = sinks.common.attribution?.directory, paired = sinks.common.natPairs?.directory
        sinks.dns = DNSStage(
            analysis: dns, apart: options.dnsThread,
            conversations: {
                DNSConversations(
                    limits: options.flowLimits, rows: conversationRows,
                    attribution: attributed.map { AttributionCounter(directory: $0) },
                    natPairs: paired.map { ServiceNATPairs(directory: $0) })
            }, epilogue: options.dnsEpilogue)
        readAll(
            &merger, &files, &hierarchy, &flows, &sinks, &defragmenter, &clock, filter, &matched, &malformed,
            &sightings, progress)
        return CapturePass(
            merger: merger, files: files, hierarchy: hierarchy, flows: flows, sinks: sinks,
            defragmenter: defragmenter, clock: clock, filter: filter, matched: matched,
            malformed: malformed, sightings: sightings)
    }

    private static func readAll(
        _ merger: inout MergingReader, _ files: inout [FileStats],
        _ hierarchy: inout ProtocolHierarchy, _ flows: inout FlowTable,
        _ sinks: inout FlowSinks, _ defragmenter: inout IPDefragmenter,
        _ clock: inout CaptureClock, _ filter: PacketFilter?, _ matched: inout Int,
        _ malformed: inout MalformedLog, _ sightings: inout Sightings,
        _ progress: ((Int) -> Void)?
    ) {
        var frame = DecodedFrame()
        var now: Int64 = 0
        var seen = 0
        var secretsRead = [Int](repeating: 0, count: merger.readers.count)
        let decrypts = sinks.connections.decrypts
        while let (input, record) = merger.next() {
            files[input].count(record)
            if files[input].packets == 1 { sightings.points.begin(input: input, after: merger.finished) }
            seen += 1
            if decrypts && merger.readers[input].secretsCount != secretsRead[input] {
                sinks.connections.addSecrets(merger.readers[input].secrets.dropFirst(secretsRead[input]))
                secretsRead[input] = merger.readers[input].secretsCount
            }
            if seen == 1 && merger.severalPoints { sightings.expectSeveralPoints() }
            if seen & (Self.progressInterval - 1) == 0 { progress?(seen) }
            if let filter, !filter.matches(record) { continue }
            matched += 1
            if let t = record.timestamp {
                now = t.saturatingNanoseconds
                clock.observe(now)
            }
            if sightings.holding && !sightings.held.isEmpty {
                releaseHeld(
                    upTo: now, &frame, clock.now, &hierarchy, &malformed, &flows, &sinks, &defragmenter,
                    &sightings)
            }
            FrameDecoder.decode(
                linkType: record.linkType.rawValue, bytes: record.data,
                originalLength: record.originalLength, into: &frame)
            if frame.ipVersion != 0 {
                let point = sightings.points.point(
                    input: input, interface: record.interface,
                    linkInterface: frame.linkInterface
                ) {
                    let interfaces = merger.readers[input].interfaces
                    return interfaces.indices.contains(record.interface) ? interfaces[record.interface].name : nil
                }
                if sinks.plugins.wantsSightings {
                    sinks.plugins.sighting(
                        frame, PassPacket(time: now, frameNumber: seen, input: input, record: record, flowSerial: -1))
                }
                switch sightings.see(&frame, record, input: input, point: point, now: now, frameNumber: seen) {
                case .analyse: break
                case .extra, .duplicate, .held:
                    // The protocol hierarchy counts frames, as tshark's does; analyses, packets.
                    hierarchy.count(frame.path, bytes: record.originalLength)
                    continue
                }
            }
            process(
                &frame, record, input, now, clock.now, seen, countLayers: true, &hierarchy, &malformed, &flows,
                &sinks, &defragmenter)
        }
        if sightings.holding {
            releaseHeld(upTo: .max, &frame, clock.now, &hierarchy, &malformed, &flows, &sinks, &defragmenter, &sightings)
            sightings.finishPath()
            sightings.noteCaptureDrops(merger.readers.map { $0.interfaces.map(\.statistics) })
        }
        // The DNS thread finishes its part while this one drains the flow table.
        sinks.dns.close(lastSweep: flows.lastSweep)
        flows.drain { sinks.finished($0) }
    }

    /// Waits for the DNS stage (on its thread, when it has one) and merges its conversations:
    /// `run` returns while it may still be at work, so that the caller builds the other
    /// sections meanwhile. Before DNS, the conversations or attribution are read.
    mutating func finishDNS() { sinks.finishDNS(lastSweep: flows.lastSweep) }

    /// The last fragment completed a datagram: decode its transport layer and count it
    /// (in a function of its own, so the closure capturing `frame` stays out of the loop).
    @inline(never)
    static func accountReassembled(
        _ datagram: [UInt8], _ frame: inout DecodedFrame, _ record: PacketRecord,
        _ input: Int, _ now: Int64, _ clock: Int64, _ frameNumber: Int, countLayers: Bool,
        _ hierarchy: inout ProtocolHierarchy, _ malformed: inout MalformedLog,
        _ flows: inout FlowTable, _ sinks: inout FlowSinks
    ) {
        let offset = frame.ipPayload.frameOffset
        datagram.withUnsafeBytes { raw in
            // The frame's payload now points into `datagram`: count it while that is alive.
            FrameDecoder.decodeReassembled(ByteSlice(raw, frameOffset: offset), into: &frame)
            account(
                frame, record, input, now, clock, frameNumber, countLayers: countLayers, &hierarchy, &malformed,
                &flows, &sinks)
        }
    }

    /// `frame` is borrowed: taken by value it was copied per packet (measured), and an
    /// `inout` frame was copied again on its way to `apply`.
    @inline(__always)
    static func account(
        _ frame: borrowing DecodedFrame, _ record: PacketRecord, _ input: Int, _ now: Int64, _ clock: Int64,
        _ frameNumber: Int, countLayers: Bool, _ hierarchy: inout ProtocolHierarchy,
        _ malformed: inout MalformedLog, _ flows: inout FlowTable, _ sinks: inout FlowSinks
    ) {
        if countLayers { hierarchy.count(frame.path, bytes: record.originalLength) }
        if frame.isMalformed { malformed.count += 1 }
        guard frame.ipVersion != 0, frame.fragment == nil else { return }
        apply(frame, record, input, now, clock, frameNumber, &flows, &sinks)
    }

    /// One packet's effect on its conversation (and TCP connection). The flow update
    /// closure captures only scalars: a captured `DecodedFrame` (257 bytes) is copied into
    /// the closure's context on every packet (measured: a memcpy per packet). `borrowing`
    /// for the same reason: taken by value from the caller's `inout`, it was copied per
    /// packet too.
    @inline(__always)
    static func apply(
        _ frame: borrowing DecodedFrame, _ record: PacketRecord, _ input: Int, _ time: Int64, _ clock: Int64,
        _ frameNumber: Int, _ flows: inout FlowTable, _ sinks: inout FlowSinks
    ) {
        let (key, fromLow) = FlowKey.of(frame)
        if sinks.dns.takesConversations && DNSConversations.takes(key) {
            // Every packet of the 5-tuple comes here (the ports decide), and the DNS analysis
            // sees those the decoder took for DNS, as it would on the path below.
            let dnsPath = frame.path.last == .dns, source = frame.source, destination = frame.destination
            let analyze = sinks.dns.analyses && dnsPath && (sinks.selection?.matches(source, destination, at: time) ?? true)
            var f = DNSFrame(frame, overTCP: false, time: time, timestamp: record.timestamp, key: key, fromLow: fromLow)
            flows.sweepIfDue(clock: clock) { sinks.finished($0) }  // as this packet's lookup would
            let c = DNSFrame.Conversation(
                wireLength: record.originalLength, serial: frameNumber, clock: clock,
                sweptAt: flows.lastSweep, analyze: analyze)
            f.conversation = c
            if sinks.plugins.wants(IPProtocol.udp) && (sinks.selection?.matches(source, destination, at: time) ?? true) {
                sinks.plugins.packet(
                    frame,
                    PassPacket(
                        time: time, frameNumber: frameNumber, input: input, record: record,
                        flowSerial: -1))
            }
            sinks.dns.conversationPacket(f, c, payload: analyze ? frame.payload : .empty)
            return
        }
        var (i, isNew) = flows.lookup(
            key, time: time, clock: clock, serial: frameNumber,
            prefetch: { sinks.prefetchEnd(of: $0, stage: $1) }
        ) { sinks.finished($0) }
        if flows.lastSweep != sinks.settledAt {
            sinks.settle(flows.flows, now: flows.lastSweep, after: flows.limits.tcpSettle)
        }
        let hasTCPHeader = frame.hasTCPHeader  // read before `&&`: its operand is a closure
        let tcp = frame.isTCP && hasTCPHeader
        let tcpPorts = frame.isTCP  // a stream even when its header is broken (tshark)
        let flags = frame.tcpFlags
        let sequence = frame.sequenceNumber, ack = frame.acknowledgmentNumber
        let synOnly = tcp && flags.contains(.syn) && !flags.contains(.ack)
        var reused = false
        if synOnly && !isNew {
            // tshark 4.0: a SYN whose sequence is not this side's initial sequence starts a
            // new stream on the same 5-tuple ("TCP Port numbers reused").
            let set = fromLow ? flows.flows[i].baseSequenceLowSet : flows.flows[i].baseSequenceHighSet
            let base = fromLow ? flows.flows[i].baseSequenceLow : flows.flows[i].baseSequenceHigh
            if set && base != sequence {
                (i, isNew) = flows.restart(i, time: time, serial: frameNumber) { sinks.finished($0) }
                reused = true
            }
        }
        let timestamp = record.timestamp, length = record.originalLength
        flows.update(i) { flow in
            Self.count(&flow, isNew: isNew, fromLow: fromLow, time: time, timestamp: timestamp, length: length)
            if synOnly && !flow.clientFromSYN {
                flow.clientIsLow = fromLow
                flow.clientFromSYN = true
            }
            guard tcp else { return }
            if flags.contains(.rst) { flow.reset = true }
            if flags.contains(.fin) {
                if fromLow { flow.finFromLow = true } else { flow.finFromHigh = true }
            }
            if !(flow.baseSequenceLowSet && flow.baseSequenceHighSet) {  // settled after a packet or two
                Self.trackBaseSequences(sequence: sequence, ack: ack, flags: flags, fromLow: fromLow, &flow)
            }
        }
        if let selection = sinks.selection, !selection.matches(frame.source, frame.destination, at: time) { return }
        if sinks.plugins.wants(frame.ipProtocol) {
            sinks.plugins.packet(
                frame,
                PassPacket(
                    time: time, frameNumber: frameNumber, input: input, record: record,
                    flowSerial: flows.flows[i].serial))
        }
        if sinks.dns.analyses {
            let dnsPath = frame.path.last == .dns, ports = (frame.sourcePort, frame.destinationPort)
            let udp = frame.isUDP && dnsPath
            if udp || (tcp && (ports.0 == 53 || ports.1 == 53)) {
                let f = DNSFrame(frame, overTCP: !udp, time: time, timestamp: timestamp, key: key, fromLow: fromLow)
                sinks.dns.message(f, payload: frame.payload)
            }
        }
        if tcpPorts && sinks.connections.wantsSegments {
            var slot = flows.flows[i].analysisSlot
            sinks.connections.segment(
                frame, slot: &slot, hasHeader: tcp, clientIsLow: flows.flows[i].clientIsLow,
                clientFromSYN: flows.flows[i].clientFromSYN, firstSecond: flows.flows[i].firstSecond,
                fromLow: fromLow, time: time, timestamp: timestamp, wireLength: length, reused: reused,
                frameNumber: frameNumber, plugins: sinks.plugins)
            flows.update(i) { $0.analysisSlot = slot }
        } else if frame.isUDP {
            sinks.connections.datagram(frame, key: key)
        }
    }
}
