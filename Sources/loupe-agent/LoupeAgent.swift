import ArgumentParser
import CommandLineExit
import CaptureAgent
import Foundation

@main
struct LoupeAgent: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "loupe-agent",
        abstract: "Records on a Kubernetes node for Loupe.",
        discussion: "Recording bundles (packets, kernel events, pod metadata) is being built (see README, Status).",
        version: "0.1.0",
        subcommands: [Interfaces.self, Versions.self])

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
