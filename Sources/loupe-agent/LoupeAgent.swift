import ArgumentParser
import CommandLineExit
import CaptureAgent
import Foundation

@main
struct LoupeAgent: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "loupe-agent",
        abstract: "Records on a Kubernetes node for Loupe.",
        discussion: "`record` writes a bundle: packets (pcapng), kernel events (eBPF), pod metadata and a manifest.",
        version: "0.1.0",
        subcommands: [Record.self, Interfaces.self, Versions.self])

    static func main() { mainWithExitStatus() }
}

struct Interfaces: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List the interfaces libpcap can capture on.")

    func run() throws {
        let devices: [CaptureDevice]
        do { devices = try CaptureInterfaces.list() } catch {
            FileHandle.standardError.write(Data("loupe-agent: \(error)\n".utf8))
            throw ExitCode(2)
        }
        for d in devices {
            var flags: [String] = []
            if d.isUp { flags.append("up") }
            if d.isRunning { flags.append("running") }
            if d.isLoopback { flags.append("loopback") }
            let addresses = d.addresses.isEmpty ? "" : "  " + d.addresses.joined(separator: " ")
            print("\(d.name)  [\(flags.joined(separator: ","))]\(addresses)")
        }
    }
}

struct Versions: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show the versions of the agent and its libraries.")

    func run() {
        print("loupe-agent \(LoupeAgent.configuration.version)")
        print(LibraryVersions.libpcap)
        print("libbpf \(LibraryVersions.libbpf)")
    }
}

struct Record: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Record live traffic into a bundle: capture pcapng, events.jsonl (kernel), manifest.json and the pod metadata given.",
        discussion: "Stops at --duration, --packets, --bytes, SIGINT or SIGTERM; every file is valid whenever it stops.")

    @Option(help: ArgumentHelp("Interface to capture on (repeatable; `any` for all).", valueName: "name"))
    var interface: [String]

    @Option(help: ArgumentHelp("The bundle to write: a directory, or one archive when it ends in .tar.zst.", valueName: "path"))
    var output: String

    @Option(
        help: ArgumentHelp(
            "Stop after this long: 6s, 500ms, 5m, 1h (a bare number is seconds).",
            valueName: "duration"))
    var duration: DurationArgument<Seconds>?

    @Option(help: "Stop after this many packets.")
    var packets: Int?

    @Option(
        help: ArgumentHelp("Stop before the capture files hold more than this (e.g. 500MB, 2GB).", valueName: "size"),
        transform: Record.size)
    var bytes: Int?

    @Option(
        help: ArgumentHelp(
            "Start a new capture file before this size (e.g. 100MB): capture-00001.pcapng, ...", valueName: "size"),
        transform: Record.size)
    var rotateSize: Int?

    @Option(
        help: ArgumentHelp("With --rotate-size: keep only the newest N capture files (a ring within N x size).", valueName: "n"))
    var rotateFiles: Int?

    @Option(help: ArgumentHelp("libpcap's kernel buffer per interface.", valueName: "size"), transform: Record.size)
    var bufferSize: Int = 32 << 20

    @Flag(name: .customLong("no-kernel-events"), help: "Do not record kernel events (eBPF).")
    var noKernelEvents = false

    @Flag(
        name: .customLong("all-namespaces"),
        help: "Keep kernel events of every network namespace of the machine, not only this node's and its pods'.")
    var allNamespaces = false

    @Option(
        help: ArgumentHelp(
            "List and watch the cluster through this kubeconfig's current context into cluster.sidecar.json.",
            valueName: "file"))
    var kubeconfig: String?

    @Flag(
        name: .customLong("no-kubernetes"),
        help: "In a pod, do not list and watch the cluster (its service account is used by default).")
    var noKubernetes = false

    @Option(help: ArgumentHelp("The node's name in the bundle (default: $NODE_NAME, else the host name).", valueName: "name"))
    var node: String?

    @Flag(help: "Write the capture compressed: capture.pcapng.zst (zstd, flushed every 100 ms).")
    var zstd = false

    @Flag(name: .customLong("no-node-state"), help: "Do not collect the node's addresses, routes, rules and counters.")
    var noNodeState = false

    @Flag(
        name: .customLong("no-promiscuous"),
        help: "Only packets addressed to the interface (on a bridge, not the pods' own traffic).")
    var noPromiscuous = false

    @Option(help: "BPF filter expression (pcap-filter(7)).")
    var filter: String?

    @Option(help: "Bytes kept of each packet.")
    var snaplen: Int32 = 262_144

    @Option(help: ArgumentHelp("Refuse an --output outside this directory (a DaemonSet's host path).", valueName: "dir"))
    var outputRoot: String?

    @Option(help: ArgumentHelp("Run as this user once the interfaces are open.", valueName: "name"))
    var user: String?

    @Option(
        name: .customLong("pods"),
        help: ArgumentHelp(
            "Pod metadata to put in the bundle (kubectl JSON or a sidecar; repeatable).",
            valueName: "file"))
    var metadata: [String] = []

    func validate() throws {
        guard !interface.isEmpty else { throw ValidationError("at least one --interface") }
        if let duration { guard duration.seconds > 0 else { throw ValidationError("--duration must be positive") } }
        guard snaplen >= 64 else { throw ValidationError("--snaplen must be at least 64") }
        if let rotateSize, rotateSize < max(1 << 20, Int(snaplen) * 2 + 65_536) {
            throw ValidationError("--rotate-size must be at least 1MB and twice the snaplen")
        }
        if let rotateFiles {
            guard rotateFiles >= 1 else { throw ValidationError("--rotate-files must be at least 1") }
            guard rotateSize != nil else { throw ValidationError("--rotate-files needs --rotate-size") }
        }
        if let bytes { guard bytes >= 65_536 else { throw ValidationError("--bytes must be at least 64KB") } }
        guard bufferSize >= 1 << 16 && bufferSize <= 1 << 30 else { throw ValidationError("--buffer-size must be 64KB to 1GB") }
        if let root = outputRoot, !Self.inside(output, root) {
            throw ValidationError("--output \(output) is outside --output-root \(root)")
        }
    }

    /// "500MB", "2GB", "64KB", "1048576": bytes (powers of 1024).
    static func size(_ text: String) throws -> Int {
        let upper = text.uppercased()
        let units: [(String, Int)] = [
            ("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10), ("G", 1 << 30), ("M", 1 << 20), ("K", 1 << 10), ("B", 1),
        ]
        for (suffix, factor) in units where upper.hasSuffix(suffix) {
            guard let n = Int(upper.dropLast(suffix.count)), n >= 0, n <= Int.max / factor else { break }
            return n * factor
        }
        guard let n = Int(text), n >= 0 else { throw ValidationError("not a size: \(text) (e.g. 100MB)") }
        return n
    }

    /// Whether `path` (resolved: `..`, and symbolic links of the parts that exist) lies in `root`.
    static func inside(_ path: String, _ root: String) -> Bool {
        func resolved(_ p: String) -> String {
            let absolute = p.hasPrefix("/") ? p : FileManager.default.currentDirectoryPath + "/" + p
            var parts: [String] = []
            for c in absolute.split(separator: "/") {
                if c == "." { continue }
                if c == ".." { _ = parts.popLast(); continue }
                parts.append(String(c))
            }
            // Resolve symbolic links on the longest existing prefix.
            var prefix = parts.count
            while prefix > 0 && !FileManager.default.fileExists(atPath: "/" + parts[..<prefix].joined(separator: "/")) {
                prefix -= 1
            }
            let head = URL(fileURLWithPath: "/" + parts[..<prefix].joined(separator: "/")).resolvingSymlinksInPath().path
            return ([head == "/" ? "" : head] + parts[prefix...]).joined(separator: "/")
        }
        let r = resolved(root), p = resolved(path)
        return p == r || p.hasPrefix(r.hasSuffix("/") ? r : r + "/")
    }

    func run() throws {
        umask(0o027)  // bundle files 0640, directories 0750
        signal(SIGINT) { _ in Recorder.stopRequested = true }
        signal(SIGTERM) { _ in Recorder.stopRequested = true }
        // A parent may have started us with these blocked (a blocked SIGTERM would wait
        // until --duration): take them back.
        var stops = sigset_t()
        sigemptyset(&stops)
        sigaddset(&stops, SIGINT)
        sigaddset(&stops, SIGTERM)
        sigprocmask(SIG_UNBLOCK, &stops, nil)
        let archive = output.hasSuffix(".tar.zst")
        var options = Recorder.Options(interfaces: interface, output: archive ? output + ".d" : output)
        if archive { options.archive = output }
        options.duration = duration?.seconds
        options.maximumPackets = packets
        options.filter = filter
        options.snapLength = snaplen
        options.metadata = metadata
        options.user = user
        options.maximumBytes = bytes
        options.rotateSize = rotateSize
        options.rotateFiles = rotateFiles
        options.bufferSize = Int32(bufferSize)
        options.kernelEvents = !noKernelEvents
        options.allNamespaces = allNamespaces
        options.promiscuous = !noPromiscuous
        options.nodeState = !noNodeState
        options.compress = zstd
        if let node { options.node = node }
        do {
            if let kubeconfig {
                options.kubernetes = try KubernetesConnection.kubeconfig(path: kubeconfig)
            } else if !noKubernetes {
                options.kubernetes = try KubernetesConnection.inCluster()
            }
        } catch {
            FileHandle.standardError.write(Data("loupe-agent: \(error)\n".utf8))
            throw ExitCode(2)
        }
        do {
            let r = try Recorder.record(options)
            if let stopped = r.stoppedBy {
                FileHandle.standardError.write(Data("loupe-agent: \(stopped); \(r.packets) packets kept in \(output)\n".utf8))
                throw ExitCode(3)
            }
            for reason in r.kernelUnavailable {
                FileHandle.standardError.write(Data("loupe-agent: kernel events: \(reason)\n".utf8))
            }
            for note in r.kubernetes?.notes ?? [] {
                FileHandle.standardError.write(Data("loupe-agent: kubernetes: \(note)\n".utf8))
            }
            let kernel =
                (r.kernelEvents.map { ", \($0) kernel events" } ?? "")
                + (r.kubernetes.map { ", \($0.objects) cluster objects and \($0.changes) changes" } ?? "")
            FileHandle.standardError.write(
                Data("loupe-agent: \(r.packets) packets, \(r.dropped) dropped\(kernel), in \(output)\n".utf8))
        } catch let exit as ExitCode {
            throw exit
        } catch {
            FileHandle.standardError.write(Data("loupe-agent: \(error)\n".utf8))
            throw ExitCode(2)
        }
    }
}
