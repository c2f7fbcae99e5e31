import ArgumentParser
import CommandLineExit
import CaptureAgent
import Foundation

@main
struct LoupeAgent: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "loupe-agent",
        abstract: "Records on a Kubernetes node for Loupe.",
        discussion: "`record` writes a bundle (packets and pod metadata); kernel events are being built (see README, Status).",
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
        abstract: "Record live traffic into a bundle directory: capture.pcapng, manifest.json and the pod metadata given.",
        discussion: "Stops at --duration, --packets, SIGINT or SIGTERM; the pcapng is valid whenever it stops.")

    @Option(help: ArgumentHelp("Interface to capture on (repeatable; `any` for all).", valueName: "name"))
    var interface: [String]

    @Option(help: ArgumentHelp("The bundle to write: a directory, or one archive when it ends in .tar.zst.", valueName: "path"))
    var output: String

    @Option(help: "Stop after this many seconds.")
    var duration: Double?

    @Option(help: "Stop after this many packets.")
    var packets: Int?

    @Option(help: "BPF filter expression (pcap-filter(7)).")
    var filter: String?

    @Option(help: "Bytes kept of each packet.")
    var snaplen: Int32 = 262_144

    @Option(help: ArgumentHelp("Refuse an --output outside this directory (a DaemonSet's host path).", valueName: "dir"))
    var outputRoot: String?

    @Option(help: ArgumentHelp("Run as this user once the interfaces are open.", valueName: "name"))
    var user: String?

    @Option(name: .customLong("pods"), help: ArgumentHelp("Pod metadata to put in the bundle (kubectl JSON or a sidecar; repeatable).",
                                                          valueName: "file"))
    var metadata: [String] = []

    func validate() throws {
        guard !interface.isEmpty else { throw ValidationError("at least one --interface") }
        if let duration { guard duration > 0 else { throw ValidationError("--duration must be positive") } }
        guard snaplen >= 64 else { throw ValidationError("--snaplen must be at least 64") }
        if let root = outputRoot, !Self.inside(output, root) {
            throw ValidationError("--output \(output) is outside --output-root \(root)")
        }
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
            while prefix > 0 && !FileManager.default.fileExists(atPath: "/" + parts[..<prefix].joined(separator: "/")) { prefix -= 1 }
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
        options.duration = duration
        options.maximumPackets = packets
        options.filter = filter
        options.snapLength = snaplen
        options.metadata = metadata
        options.user = user
        do {
            let r = try Recorder.record(options)
            if let stopped = r.stoppedBy {
                FileHandle.standardError.write(Data("loupe-agent: \(stopped); \(r.packets) packets kept in \(output)\n".utf8))
                throw ExitCode(3)
            }
            FileHandle.standardError.write(Data("loupe-agent: \(r.packets) packets, \(r.dropped) dropped, in \(output)\n".utf8))
        } catch let exit as ExitCode {
            throw exit
        } catch {
            FileHandle.standardError.write(Data("loupe-agent: \(error)\n".utf8))
            throw ExitCode(2)
        }
    }
}
