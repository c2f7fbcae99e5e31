import Foundation
import Testing
import _TestSupport

/// `loupe report` on the recorded TLS scenarios: the `tls` section's stable keys in JSON and
/// the same content as text.
struct ReportTLSTests {
    static let capture = Fixtures.path("pcaps/tls/handshakes.pcapng")

    @Test func jsonHasTheDocumentedKeys() throws {
        let (status, json) = try LoupeBinary.json(["report", "--format", "json", Self.capture])
        #expect(status == 0)
        let tls = try #require(json["tls"] as? [String: Any])
        for key in [
            "connections", "handshakes", "completed", "versions", "serverNames", "alerts", "handshakeLatency",
            "clientHelloToServerHello", "failures", "sessions", "byServerName", "byServer", "malformed",
            "malformedExamples", "quic",
        ] {
            #expect(tls[key] != nil, "tls.\(key)")
        }
        let latency = try #require(tls["handshakeLatency"] as? [String: Any])
        #expect(Set(latency.keys) == ["count", "p50", "p90", "p95", "p99", "max"])
        #expect(latency["count"] as? Int == 6)
        let failures = try #require(tls["failures"] as? [String: Int])
        #expect(failures["total"] == 5 && failures["noServerHello"] == 1 && failures["versionMismatch"] == 1)
        let sessions = try #require(tls["sessions"] as? [String: Any])
        #expect(sessions["total"] as? Int == 11 && sessions["omitted"] as? Int == 0)
        let rows = try #require(sessions["rows"] as? [[String: Any]])
        let api = try #require(rows.first { $0["sni"] as? String == "api.loupe.test" })
        for key in [
            "client", "server", "sni", "version", "cipher", "alpnOffered", "alpn", "ja3", "ja3s", "ja4", "resumed",
            "helloRetryRequest", "certificate", "alerts", "clientHelloToServerHello", "handshakeLatency",
        ] {
            #expect(api.keys.contains(key), "session.\(key)")
        }
        #expect(api["cipher"] as? String == "0x1302" && api["version"] as? String == "TLSv1.3")
        #expect(api["certificate"] is NSNull, "TLS 1.3: encrypted, null")
        #expect((api["client"] as? String)?.hasPrefix("10.77.0.1:") == true && api["server"] as? String == "10.77.0.2:443")
        let capped = try LoupeBinary.json(["report", "--format", "json", "--rows", "2", Self.capture]).json
        let cappedSessions = try #require((capped["tls"] as? [String: Any])?["sessions"] as? [String: Any])
        #expect(cappedSessions["omitted"] as? Int == 9 && (cappedSessions["rows"] as? [Any])?.count == 2)
    }

    @Test func textSaysTheSame() throws {
        let r = try LoupeBinary.run(["report", Self.capture])
        #expect(r.status == 0)
        for line in [
            "TLS: 11 connections, 11 handshakes, 6 completed", "versions            TLSv1.3 4, TLSv1.2 3",
            "failures            5 (version mismatch 1, no common parameters 1, alert 1, reset after ClientHello 1, no ServerHello 1)",
            "alerts              certificate_expired 1, handshake_failure 1, protocol_version 1",
            "FAILED: versionMismatch  alerts: protocol_version", "EXPIRES WITHIN 30 DAYS", "  EXPIRED",
            "sans DNS:expiring.loupe.test, IP:10.77.0.2",
        ] {
            // Lines past 100 columns wrap: read the text with the wraps joined again.
            let unwrapped = r.stdout.replacingOccurrences(of: "\n +", with: " ", options: .regularExpression)
            #expect(unwrapped.contains(line), "\(line)")
        }
    }
}
