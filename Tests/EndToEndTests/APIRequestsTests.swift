import Foundation
import Testing
import _TestSupport

/// API-server requests (issue 26) on `fixtures/pcaps/api/` (recorded by
/// `fixtures/gen/record-https-api.sh`): decrypted with the key log given apart or embedded
/// in the capture, each request equals the server's log (truth by construction) and tshark's
/// decryption of the same capture (the second oracle, `https.tshark.tsv`); without keys, the
/// exchange counts still equal the server's log, the session tickets are no response and the
/// close_notify alerts no request.
struct APIRequestsTests {
    /// HTTP/1.1 over TLS 1.3 and 1.2; and HTTP/2 (nginx in front of the same server, whose log
    /// names its loopback port 8080 for those requests).
    static let endpoints = ["--api-server", "10.78.0.2:6443", "--api-server", "10.78.0.2:6444"]
    static let h2 = ["--api-server", "10.78.0.2:6445"]

    static func api(_ arguments: [String], h2: Bool = true) throws -> [String: Any] {
        let (status, json) = try LoupeBinary.json(["report", "--format", "json"] + endpoints + (h2 ? Self.h2 : []) + arguments)
        #expect(status == 0)
        return json["apiServer"] as? [String: Any] ?? [:]
    }

    /// The server's log: method, path and status (nil: never answered), in order per connection.
    static func serverLog() throws -> [(port: Int, method: String, path: String, status: Int?)] {
        let text = try String(contentsOfFile: Fixtures.path("pcaps/api/server.log"), encoding: .utf8)
        return text.split(separator: "\n").compactMap { line in
            guard let o = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { return nil }
            return (o["port"] as? Int ?? 0, o["method"] as? String ?? "", o["path"] as? String ?? "", o["status"] as? Int)
        }
    }

    static func rows(_ api: [String: Any]) -> [[String: Any]] {
        (api["requests"] as? [String: Any])?["rows"] as? [[String: Any]] ?? []
    }

    @Test(arguments: [
        ["--tls-keylog", Fixtures.path("pcaps/api/https.keylog"), Fixtures.path("pcaps/api/https.pcapng")],
        [Fixtures.path("pcaps/api/https-dsb.pcapng")],
    ])
    func decryptedRequestsEqualTheServerLog(_ arguments: [String]) throws {
        let api = try Self.api(arguments)
        let got = Self.rows(api)
        let truth = try Self.serverLog()
        #expect(got.count == truth.count)
        // The log is in the order the server read the requests; the rows in the order they were sent.
        for want in truth {
            let match = got.filter {
                $0["method"] as? String == want.method && $0["path"] as? String == want.path
                    && ($0["server"] as? String)?.hasSuffix(":\(want.port == 8080 ? 6445 : want.port)") == true
            }
            #expect(!match.isEmpty, "\(want.method) \(want.path)")
            #expect(
                match.contains { $0["status"] as? Int == want.status },
                "\(want.method) \(want.path) \(String(describing: want.status))")
            #expect(match.allSatisfy { $0["decrypted"] as? Bool == true && $0["inferred"] as? Bool == false })
        }
        let decryption = api["decryption"] as? [String: Any] ?? [:]
        #expect(decryption["connections"] as? Int == 8 && decryption["failedRecords"] as? Int == 0)
        #expect(decryption["lostFraming"] as? Int == 0)
        let errors = api["errors"] as? [String: Any] ?? [:]
        #expect(errors["throttled"] as? Int == truth.filter { $0.status == 429 }.count)
        #expect(errors["serverErrors"] as? Int == truth.filter { ($0.status ?? 0) >= 500 }.count)
        #expect(errors["noResponse"] as? Int == truth.filter { $0.status == nil }.count)
        // Verb and resource from method and path.
        func row(_ method: String, _ prefix: String) -> [String: Any]? {
            got.first { $0["method"] as? String == method && ($0["path"] as? String)?.hasPrefix(prefix) == true }
        }
        let watch = try #require(row("GET", "/api/v1/namespaces/shop/pods?watch=1"))
        #expect(watch["verb"] as? String == "watch" && watch["watchEnd"] as? String == "expired")
        #expect(row("GET", "/api/v1/namespaces/shop/pods?limit=500")?["verb"] as? String == "list")
        #expect(row("POST", "/apis/apps/v1/namespaces/shop/deployments")?["resource"] as? String == "deployments")
        #expect(row("DELETE", "/api/v1/namespaces/shop/pods/web-2")?["namespace"] as? String == "shop")
        #expect(row("GET", "/api/v1/nodes/node-1/status")?["subresource"] as? String == "status")
        #expect(row("GET", "/api/v1/pods")?["retryAfter"] as? String == "1")
        let byVerb = (api["byVerb"] as? [String: Any])?["rows"] as? [[String: Any]] ?? []
        let list = try #require(byVerb.first { $0["key"] as? String == "list pods" })
        #expect(list["byStatus"] as? [String: Int] == ["200": 2, "410": 1, "429": 3])  // HTTP/1.1 and HTTP/2 together
    }

    /// tshark 4.0 with the same keys: every request and status it decrypted, and its
    /// `http.time` (request's last byte to the response's last: tshark dates a reassembled
    /// message by its last segment) within 1 µs of Loupe's `lastByteLatency`.
    @Test func decryptionAgreesWithTshark() throws {
        let api = try Self.api(
            ["--tls-keylog", Fixtures.path("pcaps/api/https.keylog"), Fixtures.path("pcaps/api/https.pcapng")],
            h2: false)
        let got = Self.rows(api).sorted { ($0["timestamp"] as? Double ?? 0) < ($1["timestamp"] as? Double ?? 0) }
        let lines = try String(contentsOfFile: Fixtures.path("pcaps/api/https.tshark.tsv"), encoding: .utf8)
            .split(separator: "\n").map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
        // Requests in frame order, each with the response that follows it on its stream.
        var oracle: [(method: String, uri: String, status: Int?, time: Double?)] = []
        var open: [String: Int] = [:]
        for f in lines where f.count >= 6 {
            if !f[2].isEmpty {
                open[f[1]] = oracle.count
                oracle.append((f[2], f[3], nil, nil))
            } else if let i = open.removeValue(forKey: f[1]) {
                oracle[i].status = Int(f[4])
                oracle[i].time = Double(f[5])
            }
        }
        #expect(oracle.count == got.count && oracle.count >= 15)
        for (want, row) in zip(oracle, got) {
            #expect(row["method"] as? String == want.method && row["path"] as? String == want.uri)
            #expect(row["status"] as? Int == want.status, "\(want.uri)")
            if let t = want.time, let l = row["lastByteLatency"] as? Double {
                #expect(abs(t - l) <= 1e-6, "\(want.uri): tshark \(t) s, Loupe \(l) s")
            } else {
                #expect(
                    want.time == nil && row["lastByteLatency"] as? Double == nil,
                    "\(want.uri): \(String(describing: row["lastByteLatency"]))")
            }
        }
    }

    /// Without keys: as many exchanges as the server answered, the first (1.2 s) measured to
    /// its response and not to the session tickets the server sent right after the
    /// handshake, the never-answered request counted as such, no close_notify as a request.
    @Test func withoutKeysTheExchangesAreTheServers() throws {
        let api = try Self.api([Fixtures.path("pcaps/api/https.pcapng")], h2: false)
        let truth = try Self.serverLog().filter { $0.port != 8080 }
        #expect(api["exchanges"] as? Int == truth.filter { $0.status != nil }.count)
        let errors = api["errors"] as? [String: Any] ?? [:]
        #expect(errors["noResponse"] as? Int == 1)
        let latency = api["latency"] as? [String: Any] ?? [:]
        #expect((latency["max"] as? Double ?? 0) >= 1.2)
        let decryption = api["decryption"] as? [String: Any] ?? [:]
        #expect(decryption["connections"] as? Int == 0)
        #expect(Self.rows(api).isEmpty, "no request is read without keys")
    }

    /// Without keys, which exchanges are a guess: the HTTP/1.1 connections (Python's and
    /// s_client's ClientHellos offer no ALPN) pair exactly, each of curl's (ALPN h2, http/1.1:
    /// three streams at once, control frames in records of their own) is `inferred`; with
    /// keys every slowest row is read from HTTP, decrypted and exact.
    @Test func withoutKeysHTTP2ExchangesAreInferred() throws {
        let capture = Fixtures.path("pcaps/api/https.pcapng")
        func slowest(_ api: [String: Any]) -> [[String: Any]] {
            (api["slowest"] as? [String: Any])?["rows"] as? [[String: Any]] ?? []
        }
        let http1 = try Self.api([capture], h2: false)
        #expect(http1["inferredExchanges"] as? Int == 0 && (http1["exchanges"] as? Int ?? 0) > 10)
        #expect(slowest(http1).allSatisfy { $0["inferred"] as? Bool == false && $0["decrypted"] as? Bool == false })
        let (status, json) = try LoupeBinary.json(["report", "--format", "json"] + Self.h2 + [capture])
        #expect(status == 0)
        let h2 = json["apiServer"] as? [String: Any] ?? [:]
        // The server answered 6 requests there; the records make 7 exchanges, one of them a
        // client's control frame answered by the server's next record: all inferred.
        #expect(h2["exchanges"] as? Int == 7 && h2["inferredExchanges"] as? Int == 7)
        #expect(!slowest(h2).isEmpty && slowest(h2).allSatisfy { $0["inferred"] as? Bool == true })
        let keyed = try Self.api(["--tls-keylog", Fixtures.path("pcaps/api/https.keylog"), capture])
        #expect(slowest(keyed).allSatisfy { $0["inferred"] as? Bool == false && $0["decrypted"] as? Bool == true })
    }

    /// HTTP/2 (two connections, three streams at once on the second) against tshark's
    /// decryption: every stream's method, path and status, per connection.
    @Test func http2AgreesWithTshark() throws {
        let api = try Self.api(["--tls-keylog", Fixtures.path("pcaps/api/https.keylog"), Fixtures.path("pcaps/api/https.pcapng")])
        let got = Self.rows(api).filter { ($0["server"] as? String)?.hasSuffix(":6445") == true }
        let lines = try String(contentsOfFile: Fixtures.path("pcaps/api/https-h2.tshark.tsv"), encoding: .utf8)
            .split(separator: "\n").map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
        var requests: [String: (method: String, path: String, status: Int?)] = [:]
        for f in lines where f.count >= 6 {
            let key = f[1] + "/" + (f[2].split(separator: ",").first.map(String.init) ?? "")
            if !f[3].isEmpty { requests[key] = (f[3], f[4], nil) } else if let s = Int(f[5]) { requests[key]?.status = s }
        }
        #expect(requests.count == 6 && got.count == 6)
        // Each request's HTTP/2 stream id, as tshark's (per connection: 1, 3, 5).
        #expect(
            got.compactMap { $0["stream"] as? Int }.sorted()
                == requests.keys.compactMap { Int($0.split(separator: "/")[1]) }.sorted())
        for want in requests.values {
            #expect(
                got.contains {
                    $0["method"] as? String == want.method && $0["path"] as? String == want.path
                        && $0["status"] as? Int == want.status
                        && $0["decrypted"] as? Bool == true
                }, "\(want)")
        }
        let watch = try #require(got.first { ($0["path"] as? String)?.contains("watch=1") == true })
        #expect(watch["verb"] as? String == "watch" && watch["watchEnd"] as? String == "expired")
    }

    /// The `http` section: every request of every decrypted connection, API server or not (no
    /// `--api-server` here), equals the server's log in number, grouped by server and route;
    /// absent without keys.
    @Test func httpSectionHoldsEveryDecryptedRequest() throws {
        let (status, json) = try LoupeBinary.json([
            "report", "--format", "json", "--tls-keylog",
            Fixtures.path("pcaps/api/https.keylog"), Fixtures.path("pcaps/api/https.pcapng"),
        ])
        #expect(status == 0)
        let http = try #require(json["http"] as? [String: Any])
        let truth = try Self.serverLog()
        #expect(http["requests"] as? Int == truth.count)
        let servers = ((http["byServer"] as? [String: Any])?["rows"] as? [[String: Any]]) ?? []
        for (port, logged) in [(6443, 6443), (6444, 6444), (6445, 8080)] {
            let row = servers.first { $0["key"] as? String == "10.78.0.2:\(port)" }
            #expect(row?["requests"] as? Int == truth.filter { $0.port == logged }.count, "\(port)")
        }
        let routes = ((http["byRoute"] as? [String: Any])?["rows"] as? [[String: Any]]) ?? []
        #expect(routes.contains { $0["key"] as? String == "GET /api/v1/namespaces/shop/pods" })
        let (_, plain) = try LoupeBinary.json(["report", "--format", "json", Fixtures.path("pcaps/api/https.pcapng")])
        #expect(plain["http"] == nil)
    }

    /// TLS 1.3 with a HelloRetryRequest, a full handshake and its session resumed (PSK, no
    /// certificate), from openssl's s_server; and against nginx a full handshake and its
    /// session resumed with the GET sent as 0-RTT early data
    /// (fixtures/gen/record-tls-resumption.sh): each GET decrypted with its 200, as tshark
    /// decrypts the same capture (`resumption.tshark.tsv`).
    @Test func helloRetryAndResumptionDecrypt() throws {
        let capture = Fixtures.path("pcaps/api/resumption.pcapng")
        let r = try LoupeBinary.json([
            "report", "--format", "json", "--tls-keylog", Fixtures.path("pcaps/api/resumption.keylog"), capture,
        ])
        let http = r.json["http"] as? [String: Any] ?? [:]
        let rows = (http["requestList"] as? [String: Any])?["rows"] as? [[String: Any]] ?? []
        #expect(
            rows.map { "\($0["method"] ?? "") \($0["path"] ?? "") \($0["status"] ?? "")" }
                == Array(repeating: "GET / 200", count: 5))
        #expect(rows.allSatisfy { $0["decrypted"] as? Bool == true && ($0["latency"] as? Double ?? -1) > 0 })
        let oracle = try String(contentsOfFile: Fixtures.path("pcaps/api/resumption.tshark.tsv"), encoding: .utf8)
            .split(separator: "\n").map { $0.split(separator: "\t", omittingEmptySubsequences: false) }
        #expect(
            oracle.filter { $0[2] == "GET" }.map { "\($0[2]) \($0[3]) stream \($0[1])" } == (0..<5).map { "GET / stream \($0)" })
        // The last GET went as early data: before its connection's ServerHello.
        if TShark.available {
            let early = try #require(oracle.last { $0[2] == "GET" }.flatMap { Int($0[0]) })
            let hello = try run(
                TShark.path,
                [
                    "-r", capture, "-d", "tcp.port==6447,tls", "-Y", "tcp.stream==4 && tls.handshake.type==2",
                    "-T", "fields", "-e", "frame.number",
                ]
            ).stdout
            #expect(
                early < Int(hello.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0,
                "0-RTT: the request before the ServerHello")
        }
        let sessions = ((r.json["tls"] as? [String: Any])?["sessions"] as? [String: Any])?["rows"] as? [[String: Any]] ?? []
        #expect(sessions.count == 5 && sessions.allSatisfy { $0["failure"] is NSNull && $0["version"] as? String == "TLSv1.3" })
        #expect(sessions.map { $0["resumed"] as? Bool } == [false, false, true, false, true], "each second connection resumes")
        // Without keys the exchanges are still timed, one each.
        let keyless = try LoupeBinary.json(["report", "--format", "json", capture]).json
        #expect(((keyless["tls"] as? [String: Any])?["completed"] as? Int) == 5)
    }

    /// 0-RTT early data the server refused (fixtures/gen/record-tls-early-refused.sh: the
    /// session resumed on a server without early data, s_client told "Early data was
    /// rejected", then sent its GET again after the handshake). tshark decrypts three GETs
    /// and two responses; the first GET of the resumed connection went in the refused early
    /// data, which the server skipped unread: Loupe counts it in `refusedEarlyData` and reads
    /// the connection's one request, answered, with tshark's timing; nothing is an error.
    @Test func refusedEarlyDataIsNoRequest() throws {
        let capture = Fixtures.path("pcaps/api/early-refused.pcapng")
        let api = try Self.api(
            [
                "--api-server", "10.79.5.2:6447", "--api-server", "10.79.5.2:6448", "--tls-keylog",
                Fixtures.path("pcaps/api/early-refused.keylog"), capture,
            ], h2: false)
        let rows = Self.rows(api)
        #expect(
            rows.map { "\($0["server"] ?? "") \($0["method"] ?? "") \($0["status"] ?? "")" }
                == ["10.79.5.2:6447 GET 200", "10.79.5.2:6448 GET 200"])
        let decryption = api["decryption"] as? [String: Any] ?? [:]
        #expect(decryption["refusedEarlyData"] as? Int == 1 && decryption["failedRecords"] as? Int == 0)
        let errors = api["errors"] as? [String: Any] ?? [:]
        #expect(errors["noResponse"] as? Int == 0 && (api["unmatched"] as? [String: Any])?["total"] as? Int == 0)
        // tshark: frame, stream, method, URI, status, as decrypted with the same keys.
        let oracle = try String(contentsOfFile: Fixtures.path("pcaps/api/early-refused.tshark.tsv"), encoding: .utf8)
            .split(separator: "\n").map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
        #expect(oracle.map { "\($0[1]) \($0[2])\($0[4])" } == ["0 GET", "0 200", "1 GET", "1 GET", "1 200"])
        // The resent GET (stream 1's second) to its 200: the row's latency, to the frame.
        if TShark.available {
            let times = try run(TShark.path, ["-r", capture, "-T", "fields", "-e", "frame.number", "-e", "frame.time_epoch"])
                .stdout
                .split(separator: "\n").map { $0.split(separator: "\t") }
            func time(_ frame: String) -> Double { Double(times.first { $0[0] == frame }?[1] ?? "") ?? 0 }
            let latency = time(oracle[4][0]) - time(oracle[3][0])
            #expect(abs((rows.last?["latency"] as? Double ?? 0) - latency) < 1e-6)
        }
    }

    /// TLS 1.3 KeyUpdate between two requests (fixtures/gen/record-tls-keyupdate.sh: s_client's
    /// "K", an update the server answers with its own): both requests decrypted with their
    /// 200, as tshark decrypts them, and no record fails.
    @Test func keyUpdateKeepsDecrypting() throws {
        let api = try Self.api(
            [
                "--api-server", "10.79.8.2:6449", "--tls-keylog", Fixtures.path("pcaps/api/keyupdate.keylog"),
                Fixtures.path("pcaps/api/keyupdate.pcapng"),
            ], h2: false)
        let oracle = try String(contentsOfFile: Fixtures.path("pcaps/api/keyupdate.tshark.tsv"), encoding: .utf8)
            .split(separator: "\n").map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
        // tshark: two requests, two responses, and a KeyUpdate (type 24) from each side between them.
        let requests = oracle.filter { $0.count >= 5 && $0[2] == "GET" }.map { "GET \($0[3]) 200" }
        #expect(requests.count == 2 && oracle.filter { $0.count == 3 && $0[2] == "24" }.count == 2)
        #expect(Self.rows(api).map { "\($0["method"] ?? "") \($0["path"] ?? "") \($0["status"] ?? "")" } == requests)
        let decryption = api["decryption"] as? [String: Any] ?? [:]
        #expect(decryption["failedRecords"] as? Int == 0 && decryption["connections"] as? Int == 1)
    }
}
