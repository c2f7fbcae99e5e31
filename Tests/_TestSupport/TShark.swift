import Foundation

/// tshark 4.0 run live, with the same preferences and decode-as rule as the shared
/// oracle (two-pass), for per-frame comparisons. Tests skip where tshark is absent.
public enum TShark {
    public static let path = "/usr/bin/tshark"
    public static var available: Bool { FileManager.default.isExecutableFile(atPath: path) }

    static let preferences = [
        "tcp.analyze_sequence_numbers:TRUE", "tcp.relative_sequence_numbers:TRUE", "tcp.calculate_timestamps:TRUE",
        "tcp.desegment_tcp_streams:TRUE", "tcp.track_bytes_in_flight:TRUE", "tls.desegment_ssl_records:TRUE",
        "tls.desegment_ssl_application_data:TRUE", "ip.defragment:TRUE", "ipv6.defragment:TRUE",
        "ip.check_checksum:FALSE", "tcp.check_checksum:FALSE", "udp.check_checksum:FALSE",
    ]

    /// For each frame with any of `fields` set, the names of those set.
    public static func frames(_ capture: String, fields: [String]) throws -> [Int: Set<String>] {
        var args = [
            "-2", "-n", "-r", capture, "-d", "tcp.port==6443,tls", "-T", "fields", "-E", "separator=\t",
            "-e", "frame.number",
        ]
        for p in preferences { args += ["-o", p] }
        for f in fields { args += ["-e", f] }
        let r = try run(path, args)
        var out: [Int: Set<String>] = [:]
        for line in r.stdout.split(separator: "\n") {
            let cols = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard let n = Int(cols[0]) else { continue }
            var set: Set<String> = []
            for (i, f) in fields.enumerated() where i + 1 < cols.count && !cols[i + 1].isEmpty { set.insert(f) }
            if !set.isEmpty { out[n] = set }
        }
        return out
    }
}

extension TShark {
    /// For each frame matching `displayFilter`, every field's value as tshark prints it
    /// (several occurrences joined by ",").
    public static func values(_ capture: String, displayFilter: String, fields: [String]) throws -> [Int: [String]] {
        var args = [
            "-2", "-n", "-r", capture, "-Y", displayFilter, "-T", "fields", "-E", "separator=\t",
            "-E", "occurrence=a", "-E", "aggregator=,", "-e", "frame.number",
        ]
        for p in preferences { args += ["-o", p] }
        for f in fields { args += ["-e", f] }
        let r = try run(path, args)
        var out: [Int: [String]] = [:]
        for line in r.stdout.split(separator: "\n") {
            let cols = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard let n = Int(cols[0]) else { continue }
            out[n] = (0..<fields.count).map { $0 + 1 < cols.count ? cols[$0 + 1] : "" }
        }
        return out
    }
}
