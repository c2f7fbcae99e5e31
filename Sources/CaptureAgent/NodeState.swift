import Foundation

/// The node's network state when the capture starts, as Retina collects it: addresses, routes,
/// what each interface is (`NodeInterfaces`),
/// neighbours, policy rules, iptables and nftables rules, socket statistics and the kernel's
/// /proc/net counters. Best effort: every item is a file of the bundle (`node-*.txt|json`),
/// and `node-state.json` lists each with its source and, when it failed, why (a tool missing
/// from the image, no permission, a timeout). Each command gets 10 seconds and 16 MB.
public enum NodeState {
    public struct Item: Sendable {
        public var file: String
        public var source: String
        public var bytes: Int
        public var error: String?
    }

    enum Source {
        case command([String])
        case file(String)
        /// Asked of the kernel in-process (`NodeInterfaces`).
        case interfaces
    }

    static let items: [(String, Source)] = [
        ("node-addresses.json", .command(["ip", "-d", "-j", "addr", "show"])),
        ("node-interfaces.json", .interfaces),
        ("node-routes.txt", .command(["ip", "route", "show", "table", "all"])),
        ("node-routes6.txt", .command(["ip", "-6", "route", "show", "table", "all"])),
        ("node-neighbours.json", .command(["ip", "-j", "neighbor", "show"])),
        ("node-rules.txt", .command(["ip", "rule", "list"])),
        ("node-iptables.txt", .command(["iptables-save"])),
        ("node-ip6tables.txt", .command(["ip6tables-save"])),
        ("node-nftables.txt", .command(["nft", "list", "ruleset"])),
        ("node-socket-summary.txt", .command(["ss", "-s"])),
        ("node-sockets.txt", .command(["ss", "-tanoi"])),
        ("node-proc-net-snmp.txt", .file("/proc/net/snmp")),
        ("node-proc-net-snmp6.txt", .file("/proc/net/snmp6")),
        ("node-proc-net-netstat.txt", .file("/proc/net/netstat")),
        ("node-proc-net-sockstat.txt", .file("/proc/net/sockstat")),
        ("node-proc-net-dev.txt", .file("/proc/net/dev")),
    ]

    static let limit = 16 << 20
    static let searchPath = ["/usr/sbin", "/sbin", "/usr/bin", "/bin", "/usr/local/sbin", "/usr/local/bin"]

    /// Collects every item into `directory`; returns the items (files written, failures said).
    public static func collect(into directory: String) -> [Item] {
        var out: [Item] = []
        for (file, source) in items {
            var item = Item(file: file, source: "", bytes: 0)
            let data: Data?
            switch source {
            case .file(let path):
                item.source = path
                data = FileManager.default.contents(atPath: path)
                if data == nil { item.error = "cannot read \(path)" }
            case .command(let argv):
                item.source = argv.joined(separator: " ")
                (data, item.error) = run(argv)
            case .interfaces:
                item.source = "rtnetlink (loupe-agent)"
                data = NodeInterfaces.json(NodeInterfaces.collect())
                if data == nil { item.error = "cannot list the interfaces" }
            }
            if let data, !data.isEmpty {
                let kept = data.prefix(limit)
                if FileManager.default.createFile(atPath: directory + "/" + file, contents: kept) {
                    item.bytes = kept.count
                    if data.count > limit { item.error = "cut at \(limit >> 20) MB" }
                } else {
                    item.error = "cannot write \(file)"
                }
            }
            out.append(item)
        }
        let index = out.map { i -> [String: Any] in
            ["file": i.bytes > 0 ? i.file : NSNull(), "source": i.source, "bytes": i.bytes, "error": i.error ?? NSNull()]
        }
        if let json = try? JSONSerialization.data(
            withJSONObject: ["schema": "loupe.node-state/1", "items": index],
            options: [.sortedKeys, .prettyPrinted])
        {
            FileManager.default.createFile(atPath: directory + "/node-state.json", contents: json)
        }
        return out
    }

    /// Runs a tool found on the usual paths; its output, or why there is none.
    static func run(_ argv: [String]) -> (Data?, String?) {
        guard let tool = searchPath.map({ $0 + "/" + argv[0] }).first(where: FileManager.default.isExecutableFile(atPath:)) else {
            return (nil, "\(argv[0]) not found")
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        p.arguments = Array(argv.dropFirst())
        let output = Pipe(), errors = Pipe()
        p.standardOutput = output
        p.standardError = errors
        p.standardInput = FileHandle.nullDevice
        do { try p.run() } catch { return (nil, "\(argv[0]): \(error.localizedDescription)") }
        // Read while it runs (a full pipe would stall it), to the limit, for at most 10 s.
        let deadline = Date().addingTimeInterval(10)
        let timer = DispatchSource.makeTimerSource()
        timer.schedule(deadline: .now() + 10)
        timer.setEventHandler { if p.isRunning { p.terminate() } }
        timer.resume()
        defer { timer.cancel() }
        var data = Data()
        while let chunk = try? output.fileHandleForReading.read(upToCount: 1 << 16), !chunk.isEmpty {
            if data.count < limit + 1 { data.append(chunk) }
        }
        p.waitUntilExit()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile().prefix(400), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        if Date() >= deadline { return (data, "\(argv[0]) timed out after 10 s") }
        guard p.terminationStatus == 0 else {
            return (data, "\(argv[0]) exited \(p.terminationStatus)" + (message.isEmpty ? "" : ": " + message))
        }
        return (data, nil)
    }
}
