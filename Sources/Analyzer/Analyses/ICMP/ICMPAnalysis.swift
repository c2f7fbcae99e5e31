import Dissectors
import Reports

/// ICMP and ICMPv6 messages by type, and the errors that name a flow: destination
/// unreachable, and Fragmentation Needed / Packet Too Big (path MTU), each with the quoted
/// packet's ends. Bounds: `rowsKept` rows per list (the rest counted); messages are counted
/// by type in a fixed table (256 ICMP and 256 ICMPv6 types), named when written.
final class ICMPAnalysis: PassAnalysis {
    let ipProtocols: [UInt8] = [IPProtocol.icmp, IPProtocol.icmpv6]
    private var section = ICMPSection()
    private var unreachable: [(time: Int64, row: ICMPErrorRow)] = []
    private var fragmentationNeeded: [(time: Int64, row: ICMPErrorRow)] = []
    /// Messages by type: ICMP's at 0-255, ICMPv6's at 256-511.
    private var byType = [Int](repeating: 0, count: 512)
    /// Rows kept before `write` knows `--rows` (the first by time; the rest counted).
    static let rowsKept = 10_000

    func packet(_ frame: borrowing DecodedFrame, _ packet: PassPacket) {
        let time = packet.time
        let v6 = frame.ipProtocol == IPProtocol.icmpv6
        guard frame.ipPayload.count >= 4 else { return }  // the decoder counted it as malformed
        section.messages += 1
        byType[(v6 ? 256 : 0) + Int(frame.icmpType)] += 1
        guard let e = ICMP.error(frame.ipPayload, v6: v6), e.kind == .unreachable || e.kind == .fragmentationNeeded else {
            return
        }
        var row = ICMPErrorRow()
        row.timestamp = Double(time) / 1e9
        (row.from, row.to, row.code) = (frame.source.text, frame.destination.text, Int(e.code))
        row.flowClient = e.quotedSourcePort.map { e.quotedSource.endpoint(port: $0) } ?? e.quotedSource.text
        row.flowServer = e.quotedDestinationPort.map { e.quotedDestination.endpoint(port: $0) } ?? e.quotedDestination.text
        if e.kind == .fragmentationNeeded {
            row.mtu = e.mtu.map(Int.init)
            section.fragmentationNeeded.total += 1
            if fragmentationNeeded.count < Self.rowsKept { fragmentationNeeded.append((time, row)) }
        } else {
            section.unreachable.total += 1
            if unreachable.count < Self.rowsKept { unreachable.append((time, row)) }
        }
    }

    func write(into report: inout Report, rows: Int) {
        var out = section
        for (i, n) in byType.enumerated() where n > 0 {
            out.byType[ICMP.typeName(UInt8(i & 255), v6: i >= 256), default: 0] += n
        }
        out.unreachable = RowList(total: section.unreachable.total, rows: unreachable.prefix(rows).map(\.row))
        out.fragmentationNeeded = RowList(
            total: section.fragmentationNeeded.total,
            rows: fragmentationNeeded.prefix(rows).map(\.row))
        report.icmp = out
    }
}
