import CPcap
import CaptureFormats

/// A BPF filter expression (pcap-filter(7)), compiled by libpcap once per link type and
/// run on each packet with `pcap_offline_filter`, exactly as tcpdump -r would.
public final class PacketFilter {
    public let expression: String
    private var programs: [UInt32: UnsafeMutablePointer<bpf_program>] = [:]
    /// Link types the expression cannot be compiled for (their packets never match).
    public private(set) var unsupported: [UInt32: String] = [:]

    /// Throws a message when the expression does not compile for Ethernet (a usage error).
    public init(_ expression: String) throws(FilterError) {
        self.expression = expression
        if let message = compile(for: 1) { throw FilterError(message: message) }
    }

    deinit {
        for p in programs.values {
            pcap_freecode(p)
            p.deallocate()
        }
    }

    public func matches(_ record: PacketRecord) -> Bool {
        let link = record.linkType.rawValue
        if programs[link] == nil && unsupported[link] == nil { _ = compile(for: link) }
        guard let program = programs[link] else { return false }
        var header = pcap_pkthdr()
        header.caplen = bpf_u_int32(record.capturedLength)
        header.len = bpf_u_int32(clamping: record.originalLength)
        guard let base = record.data.baseAddress?.assumingMemoryBound(to: UInt8.self) else {
            return pcap_offline_filter(program, &header, [UInt8](repeating: 0, count: 1)) != 0
        }
        return pcap_offline_filter(program, &header, base) != 0
    }

    /// Returns an error message, or nil once the program for `linkType` is ready.
    private func compile(for linkType: UInt32) -> String? {
        guard let handle = pcap_open_dead(Int32(bitPattern: linkType), 262_144) else {
            unsupported[linkType] = "libpcap cannot open link type \(linkType)"
            return unsupported[linkType]
        }
        defer { pcap_close(handle) }
        let program = UnsafeMutablePointer<bpf_program>.allocate(capacity: 1)
        program.initialize(to: bpf_program())
        if pcap_compile(handle, program, expression, 1, PCAP_NETMASK_UNKNOWN) != 0 {
            let message = String(cString: pcap_geterr(handle))
            program.deallocate()
            unsupported[linkType] = message
            return message
        }
        programs[linkType] = program
        return nil
    }
}

public struct FilterError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { "invalid filter: \(message)" }
}
