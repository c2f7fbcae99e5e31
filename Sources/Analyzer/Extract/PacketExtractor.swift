import CaptureFormats
import Dissectors
import Foundation
import Reports

/// Writes the packets the pass gives it into pcapng, bytes and lengths as read: the packets
/// of some flows (`flowSerials`), or all it is given (the pass's pod selection and packet filter
/// chose them). One interface block per input interface, named as the input names it and
/// described by its node; with pod metadata, a comment on each packet naming the pods at
/// both ends. A pass plug-in of `loupe extract`.
///
/// Bounds: at most `flushBytes` pending before they go to the file; interfaces, at most one
/// per input interface (as the inputs declare them).
final class PacketExtractor: PassAnalysis, @unchecked Sendable {
    let ipProtocols: [UInt8] = Array(0...255)
    static let flushBytes = 1 << 20

    /// An input's node (`ObservationPoints.nodeName`) and its interfaces' names.
    struct Input {
        var node: String
        var interfaceNames: [String?]
    }

    private let inputs: [Input]
    private let flowSerials: Set<Int>?
    /// `--all-points`: the packets to write are every sighting of these (a third pass).
    private let sightingsOf: SightingsOf?
    private let directory: PodDirectory?
    private let output: FileHandle
    private var writer = PcapngWriter()
    private var interfaces: [Int: [Int: UInt32]] = [:]
    private var nextInterface: UInt32 = 0
    /// The input interface every packet written so far came from (nil: none yet, or several).
    var onlyInterface: Int? { several ? nil : firstInterface?.interface }
    private var firstInterface: (input: Int, interface: Int)?
    private var several = false
    /// Packets written, and the first failure to write (the pass cannot throw).
    private(set) var written = 0
    private(set) var failure: (any Error)?

    init(
        inputs: [Input], flowSerials: Set<Int>?, directory: PodDirectory?, output: FileHandle, secrets: [DecryptionSecret],
        sightingsOf: SightingsOf? = nil
    ) {
        self.inputs = inputs
        self.flowSerials = flowSerials
        self.sightingsOf = sightingsOf
        self.directory = directory
        self.output = output
        writer.sectionHeader(options: [.string(4, "loupe extract")])
        // Decryption secrets first: a reader that reads once has them before the packets.
        for s in secrets { writer.rawBlock(type: 0x0000_000A, body: Self.secretsBody(s)) }
    }

    /// A Decryption Secrets Block's body: type, length, the secrets (the writer pads).
    static func secretsBody(_ s: DecryptionSecret) -> [UInt8] {
        var body: [UInt8] = []
        for v in [s.type, UInt32(s.data.count)] { withUnsafeBytes(of: v.littleEndian) { body += $0 } }
        return body + s.data
    }

    func packet(_ frame: borrowing DecodedFrame, _ p: PassPacket) {
        guard sightingsOf == nil else { return }  // written as read, in `sighting`
        if let flowSerials, !flowSerials.contains(p.flowSerial) { return }
        write(frame, p)
    }

    /// `--all-points`: every sighting of the flows' packets, as read (`SightingsOf`).
    var wantsSightings: Bool { sightingsOf != nil }

    func sighting(_ frame: borrowing DecodedFrame, _ p: PassPacket) {
        guard let sightingsOf, sightingsOf.matches(frame) else { return }
        write(frame, p)
    }

    private func write(_ frame: borrowing DecodedFrame, _ p: PassPacket) {
        let record = p.record
        let interface = self.interface(input: p.input, record.interface, linkType: record.linkType)
        if let f = firstInterface {
            if f.input != p.input || f.interface != record.interface { several = true }
        } else {
            firstInterface = (p.input, record.interface)
        }
        var options: [PcapngWriter.Option] = []
        if let comment = podComment(frame.source, frame.destination, at: p.time) { options.append(.comment(comment)) }
        let ns = record.timestamp.map { UInt64(clamping: $0.saturatingNanoseconds) } ?? 0
        writer.enhancedPacket(
            interface: interface, timestampUnits: ns, data: Array(record.data),
            originalLength: record.originalLength, options: options)
        written += 1
        if writer.pendingCount >= Self.flushBytes { flush() }
    }

    /// "client-pod -> server-pod" as the packet goes, `-` for an end no pod holds; nil when
    /// neither end is a pod or there is no metadata.
    private func podComment(_ source: IPAddress, _ destination: IPAddress, at time: Int64) -> String? {
        guard let directory else { return nil }
        let ends = [source, destination].map { a -> String? in
            directory.resolve(a, at: time).map { directory.name($0) }
        }
        guard ends.contains(where: { $0 != nil }) else { return nil }
        return "pods: \(ends[0] ?? "-") -> \(ends[1] ?? "-")"
    }

    /// The output interface of an input's interface, its block written on first use
    /// (nanosecond timestamps, the input's link type).
    private func interface(input: Int, _ index: Int, linkType: LinkType) -> UInt32 {
        if let known = interfaces[input]?[index] { return known }
        let node = inputs.indices.contains(input) ? inputs[input].node : "input\(input)"
        let names = inputs.indices.contains(input) ? inputs[input].interfaceNames : []
        let name = (names.indices.contains(index) ? names[index] : nil) ?? "if\(index)"
        writer.interface(
            linkType: UInt16(truncatingIfNeeded: linkType.rawValue), snapLength: 262_144,
            options: [.string(2, name), .string(3, "node \(node), interface \(name)"), .u8(9, 9)])
        interfaces[input, default: [:]][index] = nextInterface
        nextInterface += 1
        return nextInterface - 1
    }

    /// Pending blocks to the file (at the end, and every `flushBytes`).
    func flush() {
        let bytes = writer.take()
        guard failure == nil, !bytes.isEmpty else { return }
        do { try output.write(contentsOf: bytes) } catch { failure = error }
    }

    func write(into report: inout Report, rows: Int) {}
}
