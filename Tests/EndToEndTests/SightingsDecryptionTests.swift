import Foundation
import Testing
import _TestSupport

/// A Service's NAT views, joined, decrypt like one point (issue 26 with issue 25):
/// `fixtures/gen/record-nat-tls.sh` recorded two TLS connections to the API server's
/// ClusterIP, DNATed by the node to the server pod, at the client's veth alone (a <->
/// 10.96.0.1) and at three points (also a <-> b on br0 and the server's veth). With the
/// client's keys, both captures read curl's six requests (its log is the truth) with their
/// statuses, decrypted; the three-point one joins both connections' views.
struct SightingsDecryptionTests {
    static func api(_ capture: String) throws -> (api: [String: Any], json: [String: Any]) {
        let (status, json) = try LoupeBinary.json([
            "report", "--format", "json", "--api-server", "10.96.0.1:443", "--tls-keylog",
            Fixtures.path("pcaps/sightings/nat-tls.keylog"),
            Fixtures.path("pcaps/sightings/" + capture),
        ])
        #expect(status == 0)
        return (json["apiServer"] as? [String: Any] ?? [:], json)
    }

    static func rows(_ api: [String: Any]) -> [[String: Any]] {
        (api["requests"] as? [String: Any])?["rows"] as? [[String: Any]] ?? []
    }

    @Test func natViewsDecryptLikeOnePoint() throws {
        let log = try String(contentsOfFile: Fixtures.path("pcaps/sightings/nat-tls.client.log"), encoding: .utf8)
            .split(separator: "\n").map { line -> String in
                let f = line.split(separator: " ")
                return "GET " + String(f[1].dropFirst("https://10.96.0.1".count)) + " " + f[0]
            }
        let single = try Self.api("nat-tls-single.pcapng"), points = try Self.api("nat-tls-points.pcapng")
        for (name, r) in [("single", single), ("points", points)] {
            let rows = Self.rows(r.api)
            #expect(rows.map { "\($0["method"] ?? "") \($0["path"] ?? "") \($0["status"] ?? "")" } == log, "\(name)")
            #expect(rows.allSatisfy { $0["decrypted"] as? Bool == true }, "\(name)")
            let decryption = r.api["decryption"] as? [String: Any] ?? [:]
            #expect(decryption["connections"] as? Int == 2 && decryption["failedRecords"] as? Int == 0, "\(name)")
            #expect((r.json["findings"] as? [Any])?.isEmpty == true, "\(name)")
        }
        let sightings = points.json["sightings"] as? [String: Any] ?? [:]
        #expect(sightings["natPairs"] as? Int == 2, "each connection's two views joined")
        // The same requests at another point of the same wire: latencies within 10 µs.
        for (a, b) in zip(Self.rows(single.api), Self.rows(points.api)) {
            #expect(abs((a["latency"] as? Double ?? 0) - (b["latency"] as? Double ?? 1)) < 1e-5)
        }
    }
}
