import Bundles
import CPcap
import CaptureFormats
import Crypto
import EBPF
import Foundation

/// Records live traffic into a bundle directory: one pcapng file (an interface block per
/// interface, nanosecond timestamps, the packets as they come, an interface statistics block
/// per interface with libpcap's received and dropped counts at the end), a `manifest.json`,
/// and the pod metadata given. Non-blocking reads with a 100 ms poll (a blocking read on an
/// idle interface can wait forever), immediate mode off, a 32 MB kernel buffer, the blocks
/// written out every poll so the file is valid whenever the recorder stops.
public struct Recorder {
    public struct Options: Sendable {
        public var interfaces: [String]
        public var output: String
        public var filter: String?
        public var snapLength: Int32 = 262_144
        public var duration: Double?
        public var maximumPackets: Int?
        public var metadata: [String] = []
        /// Pack the bundle into this `.tar.zst` when done (the directory is then removed).
        public var archive: String?
        /// After the interfaces are open, run as this user (name): the capture needs root only
        /// to open them.
        public var user: String?
        /// libpcap's kernel buffer per interface (32 MB: 2 MB drops at high rates).
        public var bufferSize: Int32 = 32 << 20
        /// Stop before the capture files hold more than this many bytes in all.
        public var maximumBytes: Int?
        /// Start a new capture file before this many bytes (a ring with `rotateFiles`).
        public var rotateSize: Int?
        /// Keep at most this many capture files, deleting the oldest.
        public var rotateFiles: Int?
        /// Promiscuous mode, as tcpdump and dumpcap default to: on a bridge (a CNI's cni0) the
        /// pods' traffic between themselves is not addressed to the bridge and is seen only so.
        public var promiscuous = true
        /// List and watch the cluster into `cluster.sidecar.json` (nil: no API access).
        public var kubernetes: KubernetesConnection?
        /// The node's name in the sidecar and manifest.
        public var node = ProcessInfo.processInfo.environment["NODE_NAME"] ?? ProcessInfo.processInfo.hostName
        /// Write the capture as `.pcapng.zst` (zstd streaming, flushed every poll).
        public var compress = false
        /// Collect the node's addresses, routes, rules and counters (`NodeState`) at start.
        public var nodeState = true
        /// Record TCP retransmissions, state changes and drops through eBPF (best effort).
        public var kernelEvents = true
        /// Kernel events of every network namespace of the machine, not only the node's
        /// (`NodeNamespaces`).
        public var allNamespaces = false
        public init(interfaces: [String], output: String) {
            self.interfaces = interfaces
            self.output = output
        }
    }

    public struct Result: Sendable {
        public var packets: Int
        public var dropped: Int
        public var files: [String]
        /// Why recording stopped early (the disk filled): the capture is kept up to there.
        public var stoppedBy: String?
        /// Kernel events written (nil when none were recorded).
        public var kernelEvents: Int? = nil
        /// Tracepoints that could not be attached, and why.
        public var kernelUnavailable: [String] = []
        /// Objects listed, changes watched, and what went wrong (nil without API access).
        public var kubernetes: (objects: Int, changes: Int, notes: [String])? = nil
    }

    /// Set by SIGINT/SIGTERM: the loop ends after the current poll.
    nonisolated(unsafe) public static var stopRequested = false

    public static func record(_ options: Options) throws(CaptureAgentError) -> Result {
        let fm = FileManager.default
        guard (try? fm.createDirectory(atPath: options.output, withIntermediateDirectories: true)) != nil else {
            throw CaptureAgentError("cannot create \(options.output)")
        }
        // The cluster first: the sidecar's snapshot is the cluster as the capture starts.
        var watcher: ClusterWatcher?
        var kubernetesError: String?
        if let connection = options.kubernetes {
            let w = ClusterWatcher(client: KubernetesClient(connection), node: options.node)
            do {
                try w.snapshot()
                w.startWatching()
                watcher = w
            } catch {
                kubernetesError = error.description
            }
        }
        defer { watcher?.stop() }
        let nodeItems = options.nodeState ? NodeState.collect(into: options.output) : []
        var handles: [OpaquePointer] = []
        defer { for h in handles { pcap_close(h) } }
        var errorBuffer = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE))
        func message() -> String { String(decoding: errorBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) }
        var header = PcapngWriter()
        var system = utsname()
        uname(&system)
        let machine = withUnsafeBytes(of: &system.machine) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        header.sectionHeader(options: [
            .string(2, machine), .string(3, ProcessInfo.processInfo.operatingSystemVersionString),
            .string(4, "loupe-agent 0.1.0"),
        ])
        for name in options.interfaces {
            guard let h = pcap_create(name, &errorBuffer) else { throw CaptureAgentError("\(name): \(message())") }
            handles.append(h)
            pcap_set_snaplen(h, options.snapLength)
            pcap_set_promisc(h, options.promiscuous ? 1 : 0)
            pcap_set_timeout(h, 100)
            pcap_set_buffer_size(h, options.bufferSize)
            pcap_set_tstamp_precision(h, Int32(PCAP_TSTAMP_PRECISION_NANO))
            guard pcap_activate(h) >= 0 else { throw CaptureAgentError("\(name): \(String(cString: pcap_geterr(h)))") }
            // `any` as Linux cooked v2: each packet keeps its interface's index (v1, libpcap's
            // default there, has none, and no reader could tell a packet's copies on the veth,
            // the bridge and the uplink apart); the bundle's node-addresses.json names the index.
            if name == "any" && pcap_set_datalink(h, 276) != 0 {  // DLT_LINUX_SLL2
                throw CaptureAgentError("any: \(String(cString: pcap_geterr(h)))")
            }
            if let filter = options.filter {
                var program = bpf_program()
                guard pcap_compile(h, &program, filter, 1, PCAP_NETMASK_UNKNOWN) == 0 else {
                    throw CaptureAgentError("filter \"\(filter)\": \(String(cString: pcap_geterr(h)))")
                }
                defer { pcap_freecode(&program) }
                guard pcap_setfilter(h, &program) == 0 else {
                    throw CaptureAgentError("\(name): \(String(cString: pcap_geterr(h)))")
                }
            }
            guard pcap_setnonblock(h, 1, &errorBuffer) == 0 else { throw CaptureAgentError("\(name): \(message())") }
            header.interface(
                linkType: UInt16(truncatingIfNeeded: pcap_datalink(h)), snapLength: UInt32(options.snapLength),
                options: [
                    .string(2, name), .string(3, "captured by loupe-agent on \(ProcessInfo.processInfo.hostName)"),
                    .u8(9, 9),
                ])
        }
        // On a loopback interface the kernel counts every packet twice (it passes the socket
        // both the outgoing and the incoming copy; libpcap drops the first): halved, so the
        // statistics block says what was captured. ("any" cannot be corrected: its loopback
        // share is unknown.)
        let loopback = Set(((try? CaptureInterfaces.list()) ?? []).filter(\.isLoopback).map(\.name))
        func counts() -> [(UInt64, UInt64)] {
            zip(handles, options.interfaces).map { h, name in
                var stats = pcap_stat()
                _ = pcap_stats(h, &stats)
                let received = UInt64(stats.ps_recv)
                return (loopback.contains(name) ? received / 2 : received, UInt64(stats.ps_drop))
            }
        }
        // Kernel events: best effort. Without the privileges the capture goes on and says so.
        var probe: KernelProbe?
        var events: KernelEventWriter?
        var kernelUnavailable: [String] = []
        if options.kernelEvents {
            let opened = KernelProbe.open()
            kernelUnavailable = opened.unavailable
            if let p = opened.probe {
                let writer = try KernelEventWriter(
                    path: options.output + "/events.jsonl", attached: p.attached,
                    unavailable: p.unavailable, node: options.node,
                    limit: options.rotateSize ?? options.maximumBytes,
                    namespaces: options.allNamespaces ? nil : NodeNamespaces())
                guard p.start({ writer.add($0) }) else { throw CaptureAgentError("the kernel event ring buffer did not open") }
                probe = p
                events = writer
            }
        }
        let files = try CaptureFiles(
            directory: options.output, header: header.take(), interfaces: handles.count,
            limits: .init(
                rotateSize: options.rotateSize, rotateFiles: options.rotateFiles,
                totalBytes: options.maximumBytes, compress: options.compress),
            statistics: counts)
        let start = Date()
        // Each packet becomes an enhanced packet block of the interface being read.
        let handler: pcap_handler = { user, header, bytes in
            guard let user, let header, let bytes else { return }
            let files = Unmanaged<CaptureFiles>.fromOpaque(user).takeUnretainedValue()
            let h = header.pointee
            let units = UInt64(h.ts.tv_sec) &* 1_000_000_000 &+ UInt64(h.ts.tv_usec)  // nanoseconds (tstamp precision)
            _ = files.add(
                timestampUnits: units, packet: UnsafeRawBufferPointer(start: bytes, count: Int(h.caplen)),
                originalLength: Int(h.len))
        }
        let context = Unmanaged.passUnretained(files).toOpaque().assumingMemoryBound(to: UInt8.self)
        func dispatch(all: Bool) {
            for (i, h) in handles.enumerated() {
                files.interface = UInt32(i)
                if all {
                    while pcap_dispatch(h, -1, handler, context) > 0 && !files.limitReached {}
                } else {
                    _ = pcap_dispatch(h, -1, handler, context)
                }
            }
        }
        /// Until an interface (or the kernel events' ring buffer) has something, or the time is up.
        func wait(milliseconds: Int32, kernel: Int32?) {
            var fds = handles.map { pollfd(fd: pcap_get_selectable_fd($0), events: Int16(POLLIN), revents: 0) }
            if let kernel { fds.append(pollfd(fd: kernel, events: Int16(POLLIN), revents: 0)) }
            _ = poll(&fds, nfds_t(fds.count), milliseconds)
        }
        guard files.flush() else { throw CaptureAgentError(files.failure ?? "cannot write the capture") }
        if let user = options.user { try dropPrivileges(to: user, owning: options.output) }
        var stopReason = "signal"
        while !stopRequested && files.failure == nil {
            if let d = options.duration, Date().timeIntervalSince(start) >= d { stopReason = "duration"; break }
            if let m = options.maximumPackets, files.packets >= m { stopReason = "packets"; break }
            if files.limitReached { stopReason = "bytes"; break }
            wait(milliseconds: 100, kernel: probe?.pollDescriptor)
            dispatch(all: false)
            files.flush()
            probe?.drain()
            _ = events?.flush()
        }
        // Packets libpcap still holds (with immediate mode off, the kernel hands a block over
        // when its 100 ms timeout expires): wait one timeout, then take everything.
        if files.failure == nil && !files.limitReached {
            wait(milliseconds: 200, kernel: nil)
            dispatch(all: true)
        }
        if files.limitReached && stopReason == "signal" { stopReason = "bytes" }
        let end = Date()
        let final = counts()
        files.finish()
        probe?.drain()
        let lost = probe?.lost ?? 0
        let attached = probe?.attached ?? []
        events?.finish(lost: lost)
        probe?.close()
        let dropped = final.reduce(0) { $0 + Int($1.1) }
        var kept = files.kept
        if events != nil { kept.append("events.jsonl") }
        if !nodeItems.isEmpty { kept += nodeItems.filter { $0.bytes > 0 }.map(\.file) + ["node-state.json"] }
        if let w = watcher {
            w.stop()
            guard fm.createFile(atPath: options.output + "/cluster.sidecar.json", contents: w.sidecar()) else {
                throw CaptureAgentError("cannot write \(options.output)/cluster.sidecar.json")
            }
            kept.append("cluster.sidecar.json")
        }
        for m in options.metadata {
            let target = BundleDirectory.metadataName(for: m)
            try? fm.removeItem(atPath: options.output + "/" + target)
            guard (try? fm.copyItem(atPath: m, toPath: options.output + "/" + target)) != nil else {
                throw CaptureAgentError("cannot copy \(m)")
            }
            kept.append(target)
        }
        if let failure = files.failure {
            // The disk is full: no manifest or archive can follow; the capture stands as written.
            return Result(packets: files.packetsWritten, dropped: dropped, files: kept, stoppedBy: failure)
        }
        var facts = ManifestFacts(start: start, end: end, packets: files.packets, dropped: dropped, stopReason: stopReason)
        facts.deleted = files.deleted
        facts.nodeStateFailures = nodeItems.compactMap { i in i.error.map { "\(i.source): \($0)" } }
        if let connection = options.kubernetes {
            let counts = watcher?.counts ?? (objects: 0, events: 0)
            facts.kubernetes = .init(
                server: connection.server, objects: counts.objects, changes: counts.events,
                notes: (kubernetesError.map { [$0] } ?? []) + (watcher?.notes ?? []))
        }
        if options.kernelEvents {
            facts.kernel = .init(
                attached: attached, unavailable: kernelUnavailable, events: events?.events ?? 0,
                lost: Int(lost), skipped: events?.skipped ?? 0)
        }
        try writeManifest(options, files: kept, facts: facts)
        if let archive = options.archive {
            do throws(CaptureOpenError) {
                try BundleArchiveWriter.pack(directory: options.output, into: archive)
            } catch {
                throw CaptureAgentError(error.description)
            }
            try? fm.removeItem(atPath: options.output)
        }
        return Result(
            packets: files.packets, dropped: dropped, files: kept, stoppedBy: nil, kernelEvents: events?.events,
            kernelUnavailable: kernelUnavailable, kubernetes: facts.kubernetes.map { ($0.objects, $0.changes, $0.notes) })
    }

    /// Gives the output directory to `user`, then becomes that user (groups, gid, uid, in that
    /// order): the open capture handles keep working, nothing else runs as root.
    static func dropPrivileges(to user: String, owning directory: String) throws(CaptureAgentError) {
        guard let entry = getpwnam(user) else { throw CaptureAgentError("no user \(user)") }
        let uid = entry.pointee.pw_uid, gid = entry.pointee.pw_gid
        let paths =
            [directory] + ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).map { directory + "/" + $0 }
        for p in paths { guard chown(p, uid, gid) == 0 else { throw CaptureAgentError("cannot give \(p) to \(user)") } }
        guard setgroups(0, nil) == 0, setgid(gid) == 0, setuid(uid) == 0 else {
            throw CaptureAgentError("cannot become \(user): \(String(cString: strerror(errno)))")
        }
    }

    /// What the manifest says of the recording besides the options.
    struct ManifestFacts {
        struct Kernel { var attached: [String]; var unavailable: [String]; var events: Int; var lost: Int; var skipped: Int }
        var start: Date
        var end: Date
        var packets: Int
        var dropped: Int
        /// duration, packets, bytes or signal.
        var stopReason: String
        /// Capture files the ring deleted.
        var deleted: [String] = []
        var kernel: Kernel?
        struct Kubernetes { var server: String; var objects: Int; var changes: Int; var notes: [String] }
        var kubernetes: Kubernetes?
        /// Node-state items that failed, and why.
        var nodeStateFailures: [String] = []
    }

    /// manifest.json: agent, node, interfaces, filter, snap length, limits, start and stop,
    /// drops, kernel events, and every file with its size and SHA-256.
    static func writeManifest(_ o: Options, files: [String], facts f: ManifestFacts) throws(CaptureAgentError) {
        var entries: [[String: Any]] = []
        for name in files {
            guard let data = try? Data(contentsOf: URL(fileURLWithPath: o.output + "/" + name), options: .alwaysMapped) else {
                continue
            }
            entries.append([
                "name": name, "bytes": data.count,
                "sha256": SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined(),
            ])
        }
        func value(_ v: Any?) -> Any { v ?? NSNull() }
        var manifest: [String: Any] = [
            "schema": "loupe.bundle/1", "agent": "loupe-agent 0.1.0", "node": o.node,
            "interfaces": o.interfaces, "filter": value(o.filter), "snapLength": Int(o.snapLength),
            "bufferSize": Int(o.bufferSize),
            "limits": [
                "duration": value(o.duration), "packets": value(o.maximumPackets), "bytes": value(o.maximumBytes),
                "rotateSize": value(o.rotateSize), "rotateFiles": value(o.rotateFiles),
            ] as [String: Any],
            "start": f.start.timeIntervalSince1970, "stop": f.end.timeIntervalSince1970, "stopReason": f.stopReason,
            "packets": f.packets, "captureDrops": f.dropped, "files": entries, "deletedFiles": f.deleted,
        ]
        manifest["nodeStateFailures"] = f.nodeStateFailures
        if let k = f.kubernetes {
            manifest["kubernetes"] = ["server": k.server, "objects": k.objects, "changes": k.changes, "notes": k.notes]
        } else {
            manifest["kubernetes"] = NSNull()
        }
        if let k = f.kernel {
            manifest["kernelEvents"] = [
                "attached": k.attached, "unavailable": k.unavailable, "events": k.events, "lost": k.lost,
                "skipped": k.skipped,
            ]
        } else {
            manifest["kernelEvents"] = NSNull()
        }
        guard let data = try? JSONSerialization.data(withJSONObject: manifest, options: [.sortedKeys, .prettyPrinted]),
            FileManager.default.createFile(atPath: o.output + "/manifest.json", contents: data)
        else {
            throw CaptureAgentError("cannot write the manifest")
        }
    }
}
