import CPcap
import CaptureFormats
import Crypto
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
    }

    /// Set by SIGINT/SIGTERM: the loop ends after the current poll.
    nonisolated(unsafe) public static var stopRequested = false

    public static func record(_ options: Options) throws(CaptureAgentError) -> Result {
        let fm = FileManager.default
        guard (try? fm.createDirectory(atPath: options.output, withIntermediateDirectories: true)) != nil else {
            throw CaptureAgentError("cannot create \(options.output)")
        }
        var handles: [OpaquePointer] = []
        defer { for h in handles { pcap_close(h) } }
        var errorBuffer = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE))
        func message() -> String { String(decoding: errorBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) }
        var writer = PcapngWriter()
        writer.sectionHeader(options: [.string(3, ProcessInfo.processInfo.operatingSystemVersionString),
                                       .string(4, "loupe-agent 0.1.0")])
        for name in options.interfaces {
            guard let h = pcap_create(name, &errorBuffer) else { throw CaptureAgentError("\(name): \(message())") }
            handles.append(h)
            pcap_set_snaplen(h, options.snapLength)
            pcap_set_promisc(h, 0)
            pcap_set_timeout(h, 100)
            pcap_set_buffer_size(h, 32 << 20)
            pcap_set_tstamp_precision(h, Int32(PCAP_TSTAMP_PRECISION_NANO))
            guard pcap_activate(h) >= 0 else { throw CaptureAgentError("\(name): \(String(cString: pcap_geterr(h)))") }
            if let filter = options.filter {
                var program = bpf_program()
                guard pcap_compile(h, &program, filter, 1, PCAP_NETMASK_UNKNOWN) == 0 else {
                    throw CaptureAgentError("filter \"\(filter)\": \(String(cString: pcap_geterr(h)))")
                }
                defer { pcap_freecode(&program) }
                guard pcap_setfilter(h, &program) == 0 else { throw CaptureAgentError("\(name): \(String(cString: pcap_geterr(h)))") }
            }
            guard pcap_setnonblock(h, 1, &errorBuffer) == 0 else { throw CaptureAgentError("\(name): \(message())") }
            writer.interface(linkType: UInt16(truncatingIfNeeded: pcap_datalink(h)), snapLength: UInt32(options.snapLength),
                             options: [.string(2, name), .u8(9, 9)])
        }
        let path = options.output + "/capture.pcapng"
        guard fm.createFile(atPath: path, contents: nil), let file = FileHandle(forWritingAtPath: path) else {
            throw CaptureAgentError("cannot write \(path)")
        }
        let start = Date()
        var packets = 0
        final class Sink {
            var writer: PcapngWriter
            var interface: UInt32 = 0
            var packets = 0
            init(_ w: PcapngWriter) { writer = w }
        }
        let sink = Sink(writer)
        // Each packet becomes an enhanced packet block of the interface being read.
        let handler: pcap_handler = { user, header, bytes in
            guard let user, let header, let bytes else { return }
            let s = Unmanaged<Sink>.fromOpaque(user).takeUnretainedValue()
            let h = header.pointee
            let units = UInt64(h.ts.tv_sec) &* 1_000_000_000 &+ UInt64(h.ts.tv_usec)  // nanoseconds (tstamp precision)
            s.writer.enhancedPacket(interface: s.interface, timestampUnits: units,
                                    data: Array(UnsafeBufferPointer(start: bytes, count: Int(h.caplen))),
                                    originalLength: Int(h.len))
            s.packets += 1
        }
        var stoppedBy: String?
        var written: UInt64 = 0
        var packetsWritten = 0
        /// Writes the pending blocks; on failure (a full disk) cuts the file back to the last
        /// whole block, so what was recorded stays a valid capture.
        func flush() -> Bool {
            let chunk = sink.writer.take()
            do {
                try file.write(contentsOf: chunk)
                written += UInt64(chunk.count)
                packetsWritten = sink.packets
                return true
            } catch {
                try? file.truncate(atOffset: written)
                stoppedBy = "writing \(path) failed after \(written) bytes (\(error.localizedDescription)): the capture ends there"
                return false
            }
        }
        guard flush() else { throw CaptureAgentError(stoppedBy ?? "cannot write \(path)") }
        if let user = options.user { try dropPrivileges(to: user, owning: options.output) }
        while !stopRequested && stoppedBy == nil {
            if let d = options.duration, Date().timeIntervalSince(start) >= d { break }
            if let m = options.maximumPackets, sink.packets >= m { break }
            var fds = handles.map { pollfd(fd: pcap_get_selectable_fd($0), events: Int16(POLLIN), revents: 0) }
            _ = poll(&fds, nfds_t(fds.count), 100)
            for (i, h) in handles.enumerated() {
                sink.interface = UInt32(i)
                let context = Unmanaged.passUnretained(sink).toOpaque()
                _ = pcap_dispatch(h, -1, handler, context.assumingMemoryBound(to: UInt8.self))
            }
            _ = flush()
        }
        // Packets libpcap still holds (with immediate mode off, the kernel hands a block over
        // when its 100 ms timeout expires): wait one timeout, then take everything.
        if stoppedBy == nil {
            var fds = handles.map { pollfd(fd: pcap_get_selectable_fd($0), events: Int16(POLLIN), revents: 0) }
            _ = poll(&fds, nfds_t(fds.count), 200)
            for (i, h) in handles.enumerated() {
                sink.interface = UInt32(i)
                let context = Unmanaged.passUnretained(sink).toOpaque()
                while pcap_dispatch(h, -1, handler, context.assumingMemoryBound(to: UInt8.self)) > 0 {}
            }
            _ = flush()
        }
        packets = sink.packets
        var dropped = 0
        let end = Date()
        for (i, h) in handles.enumerated() {
            var stats = pcap_stat()
            _ = pcap_stats(h, &stats)
            dropped += Int(stats.ps_drop)
            sink.writer.statistics(interface: UInt32(i), timestampUnits: UInt64(end.timeIntervalSince1970 * 1e9),
                                   received: UInt64(stats.ps_recv), dropped: UInt64(stats.ps_drop))
        }
        if stoppedBy == nil { _ = flush() }
        try? file.close()
        var files = ["capture.pcapng"]
        for m in options.metadata {
            let name = (m as NSString).lastPathComponent
            let kept = name.hasSuffix(".sidecar.json") || name.hasSuffix(".kubectl.json") ? name : "pods.json"
            try? fm.removeItem(atPath: options.output + "/" + kept)
            guard (try? fm.copyItem(atPath: m, toPath: options.output + "/" + kept)) != nil else {
                throw CaptureAgentError("cannot copy \(m)")
            }
            files.append(kept)
        }
        if let stoppedBy {
            // The disk is full: no manifest or archive can follow; the capture stands as written.
            return Result(packets: packetsWritten, dropped: dropped, files: files, stoppedBy: stoppedBy)
        }
        try writeManifest(options, files: files, start: start, end: end, packets: packets, dropped: dropped)
        if let archive = options.archive {
            do throws(CaptureOpenError) {
                try BundleArchiveWriter.pack(directory: options.output, into: archive)
            } catch {
                throw CaptureAgentError(error.description)
            }
            try? fm.removeItem(atPath: options.output)
        }
        return Result(packets: packets, dropped: dropped, files: files, stoppedBy: nil)
    }

    /// Gives the output directory to `user`, then becomes that user (groups, gid, uid, in that
    /// order): the open capture handles keep working, nothing else runs as root.
    static func dropPrivileges(to user: String, owning directory: String) throws(CaptureAgentError) {
        guard let entry = getpwnam(user) else { throw CaptureAgentError("no user \(user)") }
        let uid = entry.pointee.pw_uid, gid = entry.pointee.pw_gid
        let paths = [directory] + ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).map { directory + "/" + $0 }
        for p in paths { guard chown(p, uid, gid) == 0 else { throw CaptureAgentError("cannot give \(p) to \(user)") } }
        guard setgroups(0, nil) == 0, setgid(gid) == 0, setuid(uid) == 0 else {
            throw CaptureAgentError("cannot become \(user): \(String(cString: strerror(errno)))")
        }
    }

    /// manifest.json: agent, node, interfaces, filter, snap length, limits, start and stop,
    /// drops, and every file with its size and SHA-256.
    static func writeManifest(_ o: Options, files: [String], start: Date, end: Date, packets: Int, dropped: Int)
        throws(CaptureAgentError) {
        var entries: [[String: Any]] = []
        for f in files {
            guard let data = FileManager.default.contents(atPath: o.output + "/" + f) else { continue }
            entries.append(["name": f, "bytes": data.count,
                            "sha256": SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()])
        }
        let manifest: [String: Any] = [
            "schema": "loupe.bundle/1", "agent": "loupe-agent 0.1.0", "node": ProcessInfo.processInfo.hostName,
            "interfaces": o.interfaces, "filter": o.filter ?? NSNull(), "snapLength": Int(o.snapLength),
            "limits": ["duration": o.duration ?? NSNull(), "packets": o.maximumPackets ?? NSNull()] as [String: Any],
            "start": start.timeIntervalSince1970, "stop": end.timeIntervalSince1970,
            "packets": packets, "captureDrops": dropped, "files": entries,
        ]
        guard let data = try? JSONSerialization.data(withJSONObject: manifest, options: [.sortedKeys, .prettyPrinted]),
              FileManager.default.createFile(atPath: o.output + "/manifest.json", contents: data) else {
            throw CaptureAgentError("cannot write the manifest")
        }
    }
}
