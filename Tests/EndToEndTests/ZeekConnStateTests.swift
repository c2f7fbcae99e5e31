import Foundation
import Testing
import _TestSupport

/// Loupe's `connState` and `history` against Zeek's own conn.log baselines (a second,
/// independent oracle) for every TCP connection in the Zeek captures. Zeek's tests run
/// some traces under several scripts that change `history`, so a connection matches when
/// its history equals one of the baselines' for it.
@Suite(.enabled(if: Corpus.sharedRoot != nil, Comment(rawValue: Corpus.missingMessage)))
struct ZeekConnStateTests {
    static func baselines() -> [String] {
        guard let root = Corpus.sharedRoot?.appendingPathComponent("corpus/zeek-baselines/zeek") else { return [] }
        return ((try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []).sorted().map { String($0.dropLast(5)) }
    }

    static func connRecords(_ any: Any, into out: inout [[String: Any]]) {
        if let d = any as? [String: Any] {
            if d["conn_state"] != nil && d["history"] != nil && d["proto"] as? String == "tcp" { out.append(d) }
            for v in d.values { connRecords(v, into: &out) }
        } else if let a = any as? [Any] {
            for v in a { connRecords(v, into: &out) }
        }
    }

    static func endpoint(_ host: Any?, _ port: Any?) -> String {
        let h = "\(host ?? "")"
        return h.contains(":") ? "[\(h)]:\(port ?? "")" : "\(h):\(port ?? "")"
    }

    @Test(arguments: baselines())
    func matchesZeek(_ capture: String) throws {
        let url = Corpus.sharedRoot!.appendingPathComponent("corpus/zeek-baselines/zeek/\(capture).json")
        var records: [[String: Any]] = []
        Self.connRecords(try JSONSerialization.jsonObject(with: Data(contentsOf: url)), into: &records)
        guard !records.isEmpty else { return }
        let (_, report) = try LoupeBinary.json([
            "report", "--format", "json", "--rows", "100000",
            Corpus.capturePath("zeek/" + capture),
        ])
        let rows = (((report["tcp"] as? [String: Any])?["flows"] as? [String: Any])?["rows"] as? [[String: Any]]) ?? []
        var histories: [String: Set<String>] = [:]
        var states: [String: String] = [:]
        for r in records {
            let key = Self.endpoint(r["id.orig_h"], r["id.orig_p"]) + " " + Self.endpoint(r["id.resp_h"], r["id.resp_p"])
            histories[key, default: []].insert(r["history"] as? String ?? "")
            states[key] = r["conn_state"] as? String
        }
        for (key, state) in states {
            var expected = histories[key]!
            var lookup = key
            if expected.allSatisfy({ $0.hasPrefix("^") }) {
                // Zeek flips a connection that starts with a SYN-ACK (`^`); Loupe follows
                // tshark: the client is the first packet's sender. Same facts, mirrored.
                let parts = key.split(separator: " ")
                lookup = "\(parts[1]) \(parts[0])"
                expected = Set(
                    expected.map { h in
                        String(h.dropFirst().map { $0.isUppercase ? Character($0.lowercased()) : Character($0.uppercased()) })
                    })
            }
            let row = rows.first { "\($0["client"] ?? "") \($0["server"] ?? "")" == lookup }
            #expect(row?["connState"] as? String == state, "\(capture) \(key): conn_state")
            let history = row?["history"] as? String ?? "(no row)"
            #expect(expected.contains(history), "\(capture) \(key): history \(history), Zeek \(expected.sorted())")
        }
    }
}
