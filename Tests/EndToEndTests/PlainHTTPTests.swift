import Foundation
import Testing
import _TestSupport

/// Cleartext HTTP between pods (issue 26, "every service") on `fixtures/pcaps/http/`
/// (recorded by `fixtures/gen/record-http-services.sh`): HTTP/1.1 from curl, h2c and
/// gRPC-framed calls through nginx, each request equal to the server's log (truth by
/// construction) and to tshark's dissection of the same capture (`plain*.tshark.tsv`).
struct PlainHTTPTests {
    static let capture = Fixtures.path("pcaps/http/plain.pcapng")

    static func http(_ extra: [String] = []) throws -> [String: Any] {
        let (status, json) = try LoupeBinary.json(
            ["report", "--format", "json", "--pods", Fixtures.path("pcaps/http/pods.json")]
                + extra + [capture])
        #expect(status == 0)
        return json["http"] as? [String: Any] ?? [:]
    }

    static func rows(_ list: Any?) -> [[String: Any]] { (list as? [String: Any])?["rows"] as? [[String: Any]] ?? [] }

    /// The server's log: method, path, status, grpc-status and the delay it waited before
    /// answering (seconds).
    static func serverLog() throws -> [(method: String, path: String, status: Int, grpc: Int?, delay: Double)] {
        let text = try String(contentsOfFile: Fixtures.path("pcaps/http/server.log"), encoding: .utf8)
        return text.split(separator: "\n").compactMap { line in
            guard let o = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { return nil }
            return (
                o["method"] as? String ?? "", o["path"] as? String ?? "", o["status"] as? Int ?? 0,
                o["grpcStatus"] as? Int, o["delay"] as? Double ?? 0
            )
        }
    }

    @Test func everyRequestEqualsTheServerLog() throws {
        let http = try Self.http()
        let got = Self.rows(http["requestList"])
        let log = try Self.serverLog()
        #expect(http["requests"] as? Int == log.count)
        #expect(got.count == log.count)
        for entry in log {
            let row = got.first { $0["path"] as? String == entry.path && $0["method"] as? String == entry.method }
            #expect(row != nil, "\(entry.method) \(entry.path) not reported")
            guard let row else { continue }
            #expect(row["status"] as? Int == entry.status, "\(entry.path)")
            #expect(row["grpcStatus"] as? Int == entry.grpc, "\(entry.path)")
            #expect(row["decrypted"] as? Bool == false)
            #expect(row["clientPod"] as? String == "shop/frontend-7d4b9c-x2k8p")
            #expect(row["serverPod"] as? String == "shop/cart-5f6d8b-q9w2e")
            // The server waited `delay` before its first byte; the wire adds at most a few ms.
            let latency = row["latency"] as? Double ?? -1
            #expect(latency >= entry.delay && latency < entry.delay + 0.015, "\(entry.path): \(latency) for \(entry.delay)")
            #expect((row["lastByteLatency"] as? Double ?? -1) >= latency)
        }
        let versions = Dictionary(grouping: got, by: { $0["httpVersion"] as? String ?? "" }).mapValues(\.count)
        #expect(versions == ["HTTP/1.1": 6, "HTTP/2": 7])
    }

    /// tshark's `http.time` runs from the request to the whole response: Loupe's
    /// `lastByteLatency`, to the nanosecond on HTTP/1.1 (the chunked response's three pieces
    /// 0.1 s apart included).
    @Test func http1LastByteLatencyEqualsTShark() throws {
        let text = try String(contentsOfFile: Fixtures.path("pcaps/http/plain.tshark.tsv"), encoding: .utf8)
        var requests: [String] = [], times: [Double] = []
        for line in text.split(separator: "\n") {
            let f = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            if !f[3].isEmpty { requests.append(f[3]) }
            if let t = Double(f[5]) { times.append(t) }
        }
        #expect(requests.count == 6 && times.count == 6)
        let rows = Self.rows(try Self.http()["requestList"]).filter { $0["httpVersion"] as? String == "HTTP/1.1" }
        for (path, time) in zip(requests, times) {
            let row = rows.first { $0["path"] as? String == path }
            #expect(abs((row?["lastByteLatency"] as? Double ?? 0) - time) < 1e-6, "\(path)")
        }
    }

    /// tshark's HTTP/2 HEADERS (8081 and 8082 decoded as http2): each stream's method, path
    /// and status, and gRPC's status in the trailers or the Trailers-Only headers.
    @Test func http2StreamsEqualTShark() throws {
        let text = try String(contentsOfFile: Fixtures.path("pcaps/http/plain-h2.tshark.tsv"), encoding: .utf8)
        var paths: [String] = [], statuses: [Int] = []
        for line in text.split(separator: "\n") {
            let f = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            paths += f[4].split(separator: ",").map(String.init)
            statuses += f[5].split(separator: ",").compactMap { Int($0) }
        }
        let rows = Self.rows(try Self.http()["requestList"]).filter { $0["httpVersion"] as? String == "HTTP/2" }
        #expect(rows.compactMap { $0["path"] as? String }.sorted() == paths.sorted())
        #expect(rows.compactMap { $0["status"] as? Int }.sorted() == statuses.sorted())
    }

    /// Streams and body bytes: HTTP/1.1 bodies as tshark's Content-Length (the chunked one:
    /// three pieces `{"chunk": i}\n`, 39 bytes, as the server wrote them); h2c streams 1, 3,
    /// 5 (and 7); a gRPC call's message is 8 bytes each way, a Trailers-Only answer none.
    @Test func streamsAndBodyBytes() throws {
        let rows = Self.rows(try Self.http()["requestList"])
        func row(_ path: String) -> [String: Any]? { rows.first { $0["path"] as? String == path } }
        let text = try String(contentsOfFile: Fixtures.path("pcaps/http/plain.tshark.tsv"), encoding: .utf8)
        #expect(!text.isEmpty)
        if TShark.available {
            let lengths = try TShark.values(
                Self.capture, displayFilter: "http.response && !http2",
                fields: ["http.response_for.uri", "http.content_length_header"])
            #expect(lengths.values.filter { !$0[1].isEmpty }.count == 5, "every response but the chunked one")
            for (_, v) in lengths where !v[1].isEmpty {
                let path = String(v[0].drop { $0 != "/" }.dropFirst(2).drop { $0 != "/" })
                #expect(row(path)?["responseBytes"] as? Int == Int(v[1]), "\(path)")
            }
        }
        #expect(row("/api/stream")?["responseBytes"] as? Int == 39)
        #expect(row("/api/orders")?["requestBytes"] as? Int == Array(#"{"item":12345}"#.utf8).count)
        #expect(rows.filter { $0["httpVersion"] as? String == "HTTP/1.1" }.allSatisfy { $0["stream"] is NSNull })
        #expect(["/h2/a", "/h2/b", "/h2/c"].map { row($0)?["stream"] as? Int } == [1, 3, 5])
        let calls = rows.filter { ($0["path"] as? String)?.hasPrefix("/shop.") == true }
        #expect(calls.compactMap { $0["stream"] as? Int } == [1, 3, 5, 7])
        #expect(calls.allSatisfy { $0["requestBytes"] as? Int == 8 })
        #expect(calls.map { $0["responseBytes"] as? Int } == [8, 8, 0, 8])
    }

    @Test func groupedByWorkloadClientRouteAndGRPCMethod() throws {
        let http = try Self.http()
        let server = Self.rows(http["byServer"])
        #expect(server.count == 1 && server.first?["key"] as? String == "shop/ReplicaSet/cart-5f6d8b")
        #expect(server.first?["requests"] as? Int == 13)
        #expect(Self.rows(http["byClient"]).first?["key"] as? String == "shop/frontend-7d4b9c-x2k8p")
        let routes = Self.rows(http["byRoute"])
        let items = routes.first { $0["key"] as? String == "GET /api/items/{id}" }
        #expect(items?["requests"] as? Int == 2 && (items?["byStatus"] as? [String: Int]) == ["200": 2])
        let grpc = Self.rows((http["grpc"] as? [String: Any])?["byMethod"])
        let byMethod = Dictionary(
            uniqueKeysWithValues: grpc.map { ($0["key"] as? String ?? "", $0["byStatus"] as? [String: Int] ?? [:]) })
        #expect(
            byMethod == ["shop.Cart/AddItem": ["0": 2], "shop.Cart/GetCart": ["5": 1], "shop.Catalog/ListProducts": ["0": 1]])
    }

    /// Without metadata the groups fall back to addresses: the server's "ip:port", the
    /// client's address without its ephemeral port.
    @Test func withoutPodsGroupsByAddress() throws {
        let (status, json) = try LoupeBinary.json(["report", "--format", "json", Self.capture])
        #expect(status == 0)
        let http = json["http"] as? [String: Any] ?? [:]
        #expect(
            Set(Self.rows(http["byServer"]).compactMap { $0["key"] as? String })
                == ["10.79.0.2:8080", "10.79.0.2:8081", "10.79.0.2:8082"])
        #expect(Self.rows(http["byClient"]).compactMap { $0["key"] as? String } == ["10.79.0.1"])
    }
}
