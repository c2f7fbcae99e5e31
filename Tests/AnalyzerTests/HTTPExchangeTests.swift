import Analyzer
import Dissectors
import Foundation
import Reports
import Testing
import _TestSupport

/// Plain HTTP/1.1 to an API-server endpoint (kubectl proxy's side): requests and responses
/// paired in order with method, path and status, retransmissions not read twice, interim
/// 1xx responses skipped, a request left unanswered reported; hostile start lines escaped.
struct HTTPExchangeTests {
    static let client: [UInt8] = [10, 0, 0, 5], server: [UInt8] = [10, 0, 0, 9]

    static func packet(
        _ fromClient: Bool, seq: UInt32, flags: UInt8 = 0x18, _ text: String = "", ms: Int
    ) -> (
        seconds: UInt32, fraction: UInt32, data: [UInt8], original: Int?
    ) {
        let tcp =
            fromClient
            ? Frames.tcp(sport: 40000, dport: 8001, seq: seq, ack: 1, flags: flags, Array(text.utf8))
            : Frames.tcp(sport: 8001, dport: 40000, seq: seq, ack: 1, flags: flags, Array(text.utf8))
        let ip = Frames.ipv4(src: fromClient ? client : server, dst: fromClient ? server : client, proto: 6, tcp)
        return (1_800_000_000, UInt32(ms * 1000), Frames.ethernet(type: 0x0800, ip), nil)
    }

    @Test func pairsRequestsWithResponses() throws {
        let get = "GET /api/v1/namespaces/shop/pods HTTP/1.1\r\nHost: x\r\n\r\n"
        let watch = "GET /api/v1/pods?watch=1 HTTP/1.1\r\n\r\n"
        let post = "POST /api/v1/namespaces/shop/events HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}"
        var c: UInt32 = 1, s: UInt32 = 1
        var frames: [(seconds: UInt32, fraction: UInt32, data: [UInt8], original: Int?)] = []
        func send(_ fromClient: Bool, _ text: String, ms: Int) {
            frames.append(Self.packet(fromClient, seq: fromClient ? c : s, text, ms: ms))
            if fromClient { c += UInt32(text.utf8.count) } else { s += UInt32(text.utf8.count) }
        }
        frames.append(Self.packet(true, seq: 0, flags: 0x02, ms: 0))
        frames.append(Self.packet(false, seq: 0, flags: 0x12, ms: 1))
        send(true, get, ms: 2)
        frames.append(Self.packet(true, seq: 1, get, ms: 5))  // a retransmission of the request
        send(false, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", ms: 14)
        send(true, post, ms: 20)
        send(false, "HTTP/1.1 100 Continue\r\n\r\n", ms: 21)
        send(false, "HTTP/1.1 403 Forbidden\r\n\r\n", ms: 50)
        send(true, watch, ms: 60)
        send(false, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", ms: 62)
        send(false, "1a\r\n{\"type\":\"ADDED\"}\r\n", ms: 500)  // watch data: not a response
        send(true, "GET /healthz HTTP/1.1\r\n\r\n", ms: 900)
        let path = temporaryFile(Frames.pcapFile(records: frames))
        var options = ReportOptions()
        options.apiServers = [PodDirectory.Endpoint(address: PodDirectory.address("10.0.0.9")!, port: 8001)]
        let api = try ReportRun.run(paths: [path], options: options).report.apiServer
        #expect(api.endpoints == ["10.0.0.9:8001"] && api.connections == 1)
        #expect(api.exchanges == 3 && api.http.exchanges == 3)
        #expect(api.http.byStatus == ["200": 2, "403": 1] && api.http.byMethod == ["GET": 2, "POST": 1])
        let rows = api.slowest.rows.map {
            "\($0.method ?? "") \($0.path ?? "") \($0.status ?? 0) \(Int(($0.latency * 1000).rounded()))"
        }
        #expect(
            rows == [
                "POST /api/v1/namespaces/shop/events 403 30", "GET /api/v1/namespaces/shop/pods 200 12",
                "GET /api/v1/pods?watch=1 200 2",
            ])
        // The capture ended with the connection open: the last request's response would come
        // after it. Not seen, not an error.
        #expect(api.errors.noResponse == 0 && api.unmatched.rows.isEmpty && api.notSeen.requests == 1)
        #expect(api.byClient.first?.name == "10.0.0.5" && api.byClient.first?.exchanges == 3)
    }

    /// Plain HTTP is kept per connection: two connections at once, and one whose ports are
    /// reused (a SYN with another sequence ends it mid-capture, and the new connection may
    /// take its TCP analysis slot) starting afresh, not from the old one's sequence numbers.
    @Test func connectionsAndReusedPortsKeepTheirOwnExchanges() throws {
        func packet(
            _ port: UInt16, _ fromClient: Bool, seq: UInt32, flags: UInt8 = 0x18, _ text: String = "",
            ms: Int
        ) -> (seconds: UInt32, fraction: UInt32, data: [UInt8], original: Int?) {
            let bytes = Array(text.utf8)
            let tcp =
                fromClient
                ? Frames.tcp(sport: port, dport: 8001, seq: seq, ack: 1, flags: flags, bytes)
                : Frames.tcp(sport: 8001, dport: port, seq: seq, ack: 1, flags: flags, bytes)
            let ip = Frames.ipv4(
                src: fromClient ? Self.client : Self.server, dst: fromClient ? Self.server : Self.client,
                proto: 6, tcp)
            return (1_800_000_000, UInt32(ms * 1000), Frames.ethernet(type: 0x0800, ip), nil)
        }
        let frames = [
            packet(40001, true, seq: 0, flags: 0x02, ms: 0),
            packet(40001, false, seq: 0, flags: 0x12, ms: 1),
            packet(40000, true, seq: 1000, flags: 0x02, ms: 2),
            packet(40000, false, seq: 0, flags: 0x12, ms: 3),
            packet(40000, true, seq: 1001, "GET /a HTTP/1.1\r\n\r\n", ms: 4),
            packet(40001, true, seq: 1, "POST /b HTTP/1.1\r\n\r\n", ms: 5),
            packet(40000, false, seq: 1, "HTTP/1.1 200 OK\r\n\r\n", ms: 10),
            // The same ports again, with a lower initial sequence: a new connection.
            packet(40000, true, seq: 10, flags: 0x02, ms: 20),
            packet(40000, false, seq: 0, flags: 0x12, ms: 21),
            packet(40000, true, seq: 11, "GET /c HTTP/1.1\r\n\r\n", ms: 22),
            packet(40001, false, seq: 1, "HTTP/1.1 201 Created\r\n\r\n", ms: 30),
            packet(40000, false, seq: 1, "HTTP/1.1 404 Not Found\r\n\r\n", ms: 40),
        ]
        var options = ReportOptions()
        options.apiServers = [PodDirectory.Endpoint(address: PodDirectory.address("10.0.0.9")!, port: 8001)]
        let api = try ReportRun.run(paths: [temporaryFile(Frames.pcapFile(records: frames))], options: options)
            .report.apiServer
        #expect(api.connections == 3 && api.http.exchanges == 3)
        #expect(api.http.byStatus == ["200": 1, "201": 1, "404": 1] && api.http.byMethod == ["GET": 2, "POST": 1])
        let rows = api.slowest.rows.map { "\($0.path ?? "") \($0.status ?? 0) \(Int(($0.latency * 1000).rounded()))" }
        #expect(rows == ["/b 201 25", "/c 404 18", "/a 200 6"])
        #expect(api.errors.noResponse == 0 && api.http.unmatchedResponses == 0)
    }

    @Test func startLines() {
        func request(_ s: [UInt8]) -> HTTP1.Request? { s.withUnsafeBytes { HTTP1.request(ByteSlice($0)) } }
        func status(_ s: String) -> Int? { Array(s.utf8).withUnsafeBytes { HTTP1.status(ByteSlice($0)) } }
        #expect(request(Array("GET /a%20b HTTP/1.1\r\n".utf8)).map { $0.method + " " + $0.target } == "GET /a%20b")
        #expect(request(Array("GET /x\u{1B}[31m HTTP/1.1\r\n".utf8))?.target == #"/x\027[31m"#, "control bytes escaped")
        #expect(request(Array("GET /no-version\r\n".utf8)) == nil && request(Array("GET /unterminated HTTP/1.1".utf8)) == nil)
        #expect(
            request(Array("GET /".utf8) + Array(repeating: UInt8(ascii: "a"), count: 9000) + Array(" HTTP/1.1\r\n".utf8)) == nil,
            "a start line past 8 KiB is not read")
        #expect(request(Array("HTTP/1.1 200 OK\r\n".utf8)) == nil)
        #expect(status("HTTP/1.1 503 Service Unavailable\r\n") == 503 && status("HTTP/1.0 200\r\n") == 200)
        #expect(status("HTTP/1.1 2x0 OK\r\n") == nil && status("HTTP/1.1") == nil && status("GET / HTTP/1.1\r\n") == nil)
    }
}

/// What the capture could not see is not an API-server error: a connection that began before
/// the capture and ended with the client's FIN and a RST after it, and a request still open on
/// a connection the capture ended.
struct APINotSeenTests {
    typealias T = HTTPExchangeTests

    static func report(_ frames: [(seconds: UInt32, fraction: UInt32, data: [UInt8], original: Int?)]) throws -> APIServerSection
    {
        var options = ReportOptions()
        options.apiServers = [PodDirectory.Endpoint(address: PodDirectory.address("10.0.0.9")!, port: 8001)]
        return try ReportRun.run(paths: [temporaryFile(Frames.pcapFile(records: frames))], options: options).report.apiServer
    }

    static func segment(
        _ fromClient: Bool, seq: UInt32, ack: UInt32, flags: UInt8, _ text: String = "", ms: Int
    )
        -> (seconds: UInt32, fraction: UInt32, data: [UInt8], original: Int?)
    {
        let tcp =
            fromClient
            ? Frames.tcp(sport: 40000, dport: 8001, seq: seq, ack: ack, flags: flags, Array(text.utf8))
            : Frames.tcp(sport: 8001, dport: 40000, seq: seq, ack: ack, flags: flags, Array(text.utf8))
        let ip = Frames.ipv4(src: fromClient ? T.client : T.server, dst: fromClient ? T.server : T.client, proto: 6, tcp)
        return (1_800_000_000, UInt32(ms * 1000), Frames.ethernet(type: 0x0800, ip), nil)
    }

    @Test func midConnectionStartAndCloseWithReset() throws {
        let get = "GET /healthz HTTP/1.1\r\n\r\n", ok = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
        let c = UInt32(500), s = UInt32(900), g = UInt32(get.utf8.count), o = UInt32(ok.utf8.count)
        let frames = [
            Self.segment(true, seq: c, ack: s, flags: 0x18, get, ms: 0),  // no handshake: begun before the capture
            Self.segment(false, seq: s, ack: c + g, flags: 0x18, ok, ms: 3),
            Self.segment(true, seq: c + g, ack: s + o, flags: 0x11, ms: 10),  // the client's FIN, all acknowledged
            Self.segment(false, seq: s + o, ack: c + g + 1, flags: 0x14, ms: 11),  // the server's RST after it
        ]
        let api = try Self.report(frames)
        #expect(api.errors == APIServerErrors(), "\(api.errors)")
        #expect(api.notSeen.connections == 1 && api.exchanges == 1)
    }

    @Test func resetWithRequestOpenIsAnError() throws {
        let get = "GET /healthz HTTP/1.1\r\n\r\n"
        let frames = [
            T.packet(true, seq: 0, flags: 0x02, ms: 0), T.packet(false, seq: 0, flags: 0x12, ms: 1),
            T.packet(true, seq: 1, get, ms: 2),
            T.packet(false, seq: 1, flags: 0x14, ms: 50),  // the server aborts with the request open
        ]
        let api = try Self.report(frames)
        #expect(api.errors.resets == 1 && api.errors.noResponse == 1 && api.notSeen == APINotSeen())
    }
}
