import Analyzer
import Foundation
import Testing
import _TestSupport

/// Loupe's TCP analysis flags against tshark 4.0's, frame by frame, on every corpus
/// capture with TCP and on the project's own fixture.
@Suite(.enabled(if: TShark.available && Corpus.sharedRoot != nil, "needs tshark and ../shared"))
struct TCPAnalysisFrameTests {
    static let fields = [
        "tcp.analysis.retransmission", "tcp.analysis.fast_retransmission", "tcp.analysis.spurious_retransmission",
        "tcp.analysis.out_of_order", "tcp.analysis.lost_segment", "tcp.analysis.ack_lost_segment",
        "tcp.analysis.duplicate_ack", "tcp.analysis.zero_window", "tcp.analysis.zero_window_probe",
        "tcp.analysis.zero_window_probe_ack", "tcp.analysis.keep_alive", "tcp.analysis.keep_alive_ack",
        "tcp.analysis.window_update", "tcp.analysis.window_full",
    ]

    /// Frame numbers differ from tshark's where it shows pcapng custom blocks as frames.
    static let skipped: Set<String> = ["gopacket/test202.pcapng"]

    static func captures() -> [String] {
        Corpus.oracleCaptures().filter { capture in
            guard !skipped.contains(capture), let o = try? Corpus.oracle(capture) else { return false }
            return ((o["tcp"] as? [String: Any])?["stream_count"] as? Int ?? 0) > 0
        }
    }

    @Test(arguments: captures())
    func flagsMatchTshark(_ capture: String) throws {
        let path = Corpus.capturePath(capture)
        let expected = try TShark.frames(path, fields: Self.fields)
        var options = ReportOptions()
        options.traceTCP = true
        let outcome = try ReportRun.run(paths: [path], options: options)
        let ours = (outcome.tcpTrace ?? [:]).mapValues { Set($0).intersection(Self.fields) }.filter { !$0.value.isEmpty }
        var differences: [String] = []
        for frame in Set(expected.keys).union(ours.keys).sorted() where expected[frame] != ours[frame] {
            differences.append("frame \(frame): tshark \(expected[frame]?.sorted() ?? []) loupe \(ours[frame]?.sorted() ?? [])")
        }
        #expect(differences.isEmpty, Comment(rawValue: "\(capture):\n" + differences.prefix(12).joined(separator: "\n")))
    }
}
