import Analyzer
import ArgumentParser
import CaptureFormats
import CommandLineExit
import Foundation
import Reports

struct ExtractCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "extract",
        abstract: "Write the packets behind a report's row as pcapng, for Wireshark.",
        discussion: """
            The flow is found by the id the report's tcp.flows rows carry, in a pass over the same \
            inputs and options as the report's; its packets are written as read, one sighting each (at the \
            flow's observation point), interfaces described by node and name, each packet's pods in its \
            comment when --pods is given. Prints the packets written and a Wireshark display filter.
            """)

    @OptionGroup var capture: CaptureInputOptions

    @Option(help: ArgumentHelp("A flow's id, as in the report's tcp.flows rows.", valueName: "id"))
    var flow: String?

    @Option(
        help: ArgumentHelp(
            "The flows behind the report's finding N (1-based, as the report of the same inputs, --pods, --api-server and --tls-keylog lists them).",
            valueName: "N"))
    var finding: Int?

    @Option(
        help: ArgumentHelp("An API-server endpoint, as given to the report (repeatable; for --finding).", valueName: "addr:port"))
    var apiServer: [String] = []

    @Option(
        help: ArgumentHelp(
            "Only packets of this pod, namespace/name or name (repeatable; needs --pods).",
            valueName: "pod"))
    var pod: [String] = []

    @Option(help: ArgumentHelp("Only packets of pods in this namespace (repeatable; needs --pods).", valueName: "namespace"))
    var namespace: [String] = []

    @Option(
        name: .customLong("pods"),
        help: ArgumentHelp(
            "Cluster metadata, as for `loupe report` (repeatable).",
            valueName: "file"))
    var metadata: [String] = []

    @Flag(help: "Copy the inputs' Decryption Secrets Blocks and the --tls-keylog files into the output.")
    var withSecrets = false

    @Flag(
        help:
            "Every sighting of the packets (each observation point's copy, NAT views included), not only the one at the flow's point."
    )
    var allPoints = false

    @Option(
        name: .customLong("tls-keylog"),
        help: ArgumentHelp(
            "TLS key log, as given to the report (repeatable): copied with --with-secrets.",
            valueName: "file"))
    var tlsKeyLog: [String] = []

    @Option(name: .shortAndLong, help: ArgumentHelp("The pcapng file to write.", valueName: "file"))
    var output: String

    func validate() throws {
        if flow == nil && finding == nil && pod.isEmpty && namespace.isEmpty && capture.filter == nil {
            throw ValidationError("say which packets: --flow ID, --finding N, --pod P, --namespace N or --filter EXPR")
        }
        if let finding, finding < 1 { throw ValidationError("--finding counts from 1") }
        for e in apiServer where ReportCommand.endpoint(e) == nil {
            throw ValidationError("--api-server \(e): expected ADDR:PORT, e.g. 10.96.0.1:443 or [fd00::1]:6443")
        }
        if !(pod.isEmpty && namespace.isEmpty) && metadata.isEmpty {
            throw ValidationError("--pod and --namespace need cluster metadata: --pods FILE")
        }
    }

    func run() throws {
        var options = ExtractOptions()
        options.flowID = flow
        options.finding = finding
        options.apiServers = apiServer.compactMap(ReportCommand.endpoint)
        options.podFilter = PodFilter(pods: pod, namespaces: namespace)
        options.metadataPaths = metadata
        options.filter = capture.filter
        options.flowLimits.maximumFlows = capture.maxFlows
        options.samePoint = capture.samePoint
        options.withSecrets = withSecrets
        options.allPoints = allPoints
        options.keyLogPaths = tlsKeyLog
        let progress = Progress()
        let outcome: ExtractOutcome
        do {
            outcome = try asUsageError {
                try ExtractRun.run(
                    paths: capture.inputs, options: options, output: output,
                    progress: progress.packets)
            }
        } catch let error as FlowNotFound {
            throw fail(error.description, status: ExitStatus.usage)
        }
        progress.done()
        if let f = outcome.finding {
            print("finding \(finding ?? 0): \(f.title)")
            if f.evidence?.flows.isEmpty ?? true, let bpf = f.evidence?.captureFilter { print("capture filter: \(bpf)") }
        }
        print(
            "\(outcome.packets) packets written to \(output)"
                + (allPoints ? " (\(outcome.copies) of them copies at other points)" : ""))
        for w in outcome.warnings { FileHandle.standardError.write(Data("loupe: warning: \(w)\n".utf8)) }
        if let filter = outcome.displayFilter { print("Wireshark display filter: \(filter)") }
        var damaged = false
        for input in outcome.inputs {
            guard let damage = input.damage else { continue }
            damaged = true
            FileHandle.standardError.write(
                Data("loupe: \(input.path): damaged at byte \(damage.offset): \(damage.message)\n".utf8))
        }
        if damaged { throw ExitCode(ExitStatus.damaged) }
    }
}
