@testable import Analyzer
import Crypto
import Dissectors
import Foundation
import Reports
import Testing

/// Decryption's parts (issue 26): key derivation against an independent implementation, the
/// key log's parsing and bound, the HTTP/1.1 framing read from decrypted bytes, the API verb
/// rules and the bounds of each table. The whole chain is checked end to end against tshark
/// in `APIRequestsTests`.
struct TLSDecryptionTests {
    static func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    /// Expected values from Python's `cryptography` (HKDFExpand) and `hmac` (RFC 5246's
    /// P_hash written out), for the secret 00 01 ... 1f (48 bytes for SHA-384 and the master).
    @Test func keysEqualAnIndependentDerivation() {
        let secret = (0..<32).map { UInt8($0) }
        let aes128 = TLSTrafficKeys.suite(0x1301)!
        let k = TLSTrafficKeys.tls13(secret, aes128)
        #expect(Self.hex(k.key) == "9c9783cf77ea32d44f369da41f19f3cc")
        #expect(Self.hex(k.iv) == "2f41c846a431a163814bcd71")
        #expect(
            Self.hex(TLSTrafficKeys.nextSecret(secret, aes128))
                == "2cecd0a17506ef5fa73edc062d6e7b5397cf074ec1b4d8f99a120772932f0b45")
        let secret48 = (0..<48).map { UInt8($0) }
        #expect(
            Self.hex(TLSTrafficKeys.tls13(secret48, TLSTrafficKeys.suite(0x1302)!).key)
                == "6877d022f1c61d24ebb7487c16752d9a4798e40431c75b39320e537c90e23225")
        let block = TLSTrafficKeys.prf(
            secret48, label: "key expansion",
            seed: [UInt8](repeating: 2, count: 32)
                + [UInt8](repeating: 1, count: 32), length: 40, sha384: false)
        #expect(Self.hex(block) == "bf4ab9777a81b0138d80acf5969e0f659f0c1c5ca8c3d4508ecd85ecaa93090e325565abf4bcfea0")
        #expect(TLSTrafficKeys.suite(0xC027) == nil, "CBC is not decrypted")
    }

    @Test func keyLogLinesAndItsBound() {
        let random = String(repeating: "ab", count: 32), secret = String(repeating: "cd", count: 32)
        var log = TLSKeyLog()
        log.add(
            text: "# comment\nCLIENT_TRAFFIC_SECRET_0 \(random) \(secret)\r\nSERVER_TRAFFIC_SECRET_0 \(random) \(secret)\n"
                + "CLIENT_RANDOM abc \(secret)\nNO_SUCH_LABEL \(random) \(secret)\nCLIENT_RANDOM \(random) zz\n")
        #expect(log.connections == 1 && log.malformedLines == 3)
        let s = log.secrets(forClientRandom: [UInt8](repeating: 0xAB, count: 32))
        #expect(s?.clientTraffic?.count == 32 && s?.serverTraffic?.count == 32 && s?.master == nil)
        // Past the bound: later connections' lines are counted, not kept.
        var lines = ""
        lines.reserveCapacity((TLSKeyLog.maximumConnections + 2) * 140)
        for i in 0..<TLSKeyLog.maximumConnections + 2 {
            lines += "CLIENT_RANDOM " + String(format: "%064x", i) + " " + secret + "\n"
        }
        var big = TLSKeyLog()
        big.add(text: lines)
        #expect(big.connections == TLSKeyLog.maximumConnections && big.droppedLines == 2)
    }

    /// A record the keys do not open is counted, and the side stops trying after `failureLimit`.
    @Test func wrongKeysAreCountedNeverGuessed() {
        var d = TLSRecordDecryptor(
            cipher: .aesGCM, key: [UInt8](repeating: 1, count: 16), iv: [UInt8](repeating: 2, count: 12),
            tls13: true)
        let body = [UInt8](repeating: 7, count: 40)
        body.withUnsafeBytes { raw in
            #expect(d.open(type: 23, version: 0x0303, body: ByteSlice(raw)) == nil)
        }
        #expect(d.sequence == 1, "a record was sent: the sequence moves on")
    }

    /// Records the capture lost move the sender's sequence on: the next record still opens
    /// (searched up to `resyncWindow` ahead), and later ones follow in order.
    @Test func recordsAfterLostOnesStillOpen() throws {
        let key = [UInt8](repeating: 9, count: 16), iv = (0..<12).map { UInt8($0) }
        func seal(_ text: String, sequence: UInt64) throws -> [UInt8] {
            var nonce = iv
            for i in 0..<8 { nonce[4 + i] ^= UInt8(truncatingIfNeeded: sequence >> (56 - 8 * UInt64(i))) }
            let inner = Array(text.utf8) + [23]
            let length = inner.count + 16
            let aad: [UInt8] = [23, 3, 3, UInt8(length >> 8), UInt8(length & 0xFF)]
            let box = try AES.GCM.seal(
                inner, using: SymmetricKey(data: key), nonce: AES.GCM.Nonce(data: nonce),
                authenticating: aad)
            return Array(box.ciphertext) + Array(box.tag)
        }
        var d = TLSRecordDecryptor(cipher: .aesGCM, key: key, iv: iv, tls13: true)
        for (sequence, text) in [(0, "first"), (5, "sixth"), (6, "seventh")] as [(UInt64, String)] {
            let record = try seal(text, sequence: sequence)
            let opened = record.withUnsafeBytes { d.open(type: 23, version: 0x0303, body: ByteSlice($0)) }
            #expect(opened.map { String(decoding: $0.plaintext, as: UTF8.self) } == text)
        }
        let tooFar = try seal("far", sequence: 7 + UInt64(TLSRecordDecryptor.resyncWindow) + 1)
        #expect(tooFar.withUnsafeBytes { d.open(type: 23, version: 0x0303, body: ByteSlice($0)) } == nil)
    }

    /// Without keys: a record taken for a session ticket while a request was open answers
    /// that request after all when the client sends its next one (counted as inferred); with
    /// no next request it stays unanswered.
    @Test func aSkippedTicketAnswersWhenTheNextRequestComes() {
        var x = TLSExchanges()
        x.clientRecord(at: 100, end: 50)
        x.postHandshake(at: 130)  // fast: taken for a ticket
        x.clientRecord(at: 200, end: 90)
        #expect(x.count == 1 && x.inferred == 1 && x.samples == [30] && x.open == 200)
        x.serverRecord(at: 260, acknowledged: 90)
        #expect(x.count == 2 && x.samples == [30, 60] && x.open == nil)
        var y = TLSExchanges()
        y.clientRecord(at: 100, end: 50)
        y.postHandshake(at: 130)
        #expect(y.count == 0 && y.open == 100 && y.postHandshakeRecords == 1)
    }

    /// Content-Length, chunked (with extensions and trailers), HEAD and 1xx, a pipelined pair.
    @Test func framingPairsRequestsAndResponses() {
        var c = HTTP1Conversation()
        func send(_ fromClient: Bool, _ text: String, _ t: Int64) {
            Array(text.utf8).withUnsafeBytes { raw in
                if fromClient { c.client(ByteSlice(raw), time: t) } else { c.server(ByteSlice(raw), time: t) }
            }
        }
        send(true, "POST /api/v1/namespaces/a/pods HTTP/1.1\r\nContent-Length: 4\r\nUser-Agent: k\r\n\r\nbo", 1)
        send(true, "dy", 2)
        send(true, "HEAD /api/v1/pods HTTP/1.1\r\n\r\n", 3)
        send(
            false, "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n5;x=y\r\nhello\r\n", 10
        )
        send(false, "0\r\nTrailer: 1\r\n\r\n", 12)
        send(false, "HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n", 20)  // HEAD: no body follows
        send(true, "GET /api/v1/namespaces/a/pods?watch=true HTTP/1.1\r\n\r\n", 30)
        send(false, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", 31)
        let event = "{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\",\"code\":410}}\n"
        send(false, String(event.utf8.count, radix: 16) + "\r\n" + event + "\r\n", 40)
        let r = c.requests
        #expect(r.count == 3)
        #expect(r[0].method == "POST" && r[0].end == 2 && r[0].firstByte == 10 && r[0].lastByte == 12 && r[0].status == 201)
        #expect(r[0].userAgent == "k")
        #expect(r[1].status == 200 && r[1].firstByte == 20 && r[1].lastByte == 20)
        #expect(r[2].isWatch && r[2].watchExpired && r[2].lastByte == nil)
    }

    @Test func headerBlockAndRequestsPastTheirBounds() {
        var c = HTTP1Conversation()
        let long = "GET / HTTP/1.1\r\nX: " + String(repeating: "a", count: HTTP1MessageStream.maximumHeaderBlock) + "\r\n\r\n"
        Array(long.utf8).withUnsafeBytes { c.client(ByteSlice($0), time: 1) }
        #expect(c.lostFraming && c.requests.isEmpty)
        var many = HTTP1Conversation()
        let one = "GET /api/v1/pods HTTP/1.1\r\n\r\n"
        let all = String(repeating: one, count: HTTP1Conversation.limit + 3)
        Array(all.utf8).withUnsafeBytes { many.client(ByteSlice($0), time: 1) }
        #expect(many.requests.count == HTTP1Conversation.limit && many.dropped == 3)
    }

    @Test(arguments: [
        ("GET", "/api/v1/namespaces/shop/pods", "list", "pods", "shop", nil as String?),
        ("GET", "/api/v1/namespaces/shop/pods/web-1", "get", "pods", "shop", nil),
        ("GET", "/api/v1/namespaces/shop/pods/web-1/log", "get", "pods", "shop", "log"),
        ("GET", "/api/v1/pods?watch=1", "watch", "pods", nil, nil),
        ("GET", "/api/v1/watch/namespaces/shop/pods", "watch", "pods", "shop", nil),
        ("DELETE", "/apis/apps/v1/namespaces/shop/deployments", "deletecollection", "deployments", "shop", nil),
        ("DELETE", "/apis/apps/v1/namespaces/shop/deployments/web", "delete", "deployments", "shop", nil),
        ("PUT", "/api/v1/namespaces/shop", "update", "namespaces", "shop", nil),
        ("GET", "/api/v1/namespaces", "list", "namespaces", nil, nil),
        ("PATCH", "/api/v1/nodes/n1/status", "patch", "nodes", nil, "status"),
        ("GET", "/healthz", "get", nil, nil, nil),
    ])
    func verbsFollowTheAPIServersRules(_ c: (String, String, String, String?, String?, String?)) {
        let t = HTTPTarget(method: c.0, target: c.1)
        #expect(t.verb == c.2 && t.resource == c.3 && t.namespace == c.4 && t.subresource == c.5, "\(c.0) \(c.1)")
    }

    @Test func verbGroupsPastTheirBound() {
        var r = APIRequests()
        for i in 0..<APIRequests.verbLimit + 5 {
            var row = APIRequestRow()
            row.status = 200
            r.add(row, recordId: "http-c-\(i + 1)", key: "get r\(i)", latency: 1, limit: 10)
        }
        let (rows, verbs) = r.lists(rows: 100_000)
        #expect(rows.total == APIRequests.verbLimit + 5 && rows.rows.count == 10)
        #expect(verbs.total == APIRequests.verbLimit + 1)
        #expect(verbs.rows.first { $0.key == "(other)" }?.requests == 5)
    }
}

/// Route templates for the `http` section: IDs collapsed, names and API groups kept.
struct HTTPRouteTests {
    @Test(arguments: [
        ("/api/v1/namespaces/shop/pods/web-1?watch=1", "/api/v1/namespaces/shop/pods/web-1"),
        (
            "/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/sched",
            "/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/sched"
        ),
        ("/orders/12345/items/9", "/orders/{id}/items/{id}"),
        ("/api/v1/namespaces/shop/pods/web-6b8c7d9f5-x2x9z", "/api/v1/namespaces/shop/pods/{id}"),
        ("/users/3f2c1a9e-7b4d-4c2a-9e1f-0a1b2c3d4e5f", "/users/{id}"),
        ("/", "/"),
    ])
    func templates(_ c: (String, String)) {
        #expect(HTTPServices.template(c.0) == c.1)
    }

    /// Past `groupLimit` routes the rest are counted as "(other)"; rows past `rowsKept` counted.
    @Test func groupsAndRowsPastTheirBounds() {
        func conversation(_ routes: Range<Int>) -> HTTP1Conversation {
            var c = HTTP1Conversation()
            let text = routes.map { "GET /r\($0)x HTTP/1.1\r\n\r\n" }.joined()
            Array(text.utf8).withUnsafeBytes { c.client(ByteSlice($0), time: 1) }
            return c
        }
        var s = HTTPServices()
        let ends = HTTPEnds(
            client: PodDirectory.Endpoint(parsing: "10.0.0.1:1")!, server: PodDirectory.Endpoint(parsing: "10.0.0.2:2")!,
            (nil, nil), nil)
        let first = conversation(0..<HTTPServices.groupLimit)  // every route once: the bound reached
        for _ in 0..<11 { s.add(HTTPConversation(first), ends, decrypted: true, connection: { "c" }, records: nil) }
        s.add(HTTPConversation(conversation(5000..<5005)), ends, decrypted: true, connection: { "c" }, records: nil)
        let section = s.section(rows: 100_000)
        #expect(section.requests == 11 * HTTPServices.groupLimit + 5)
        #expect(section.requestList.total == section.requests && section.requestList.rows.count == HTTPServices.rowsKept)
        #expect(section.byRoute.total == HTTPServices.groupLimit + 1)
        #expect(section.byRoute.rows.first { $0.key == "(other)" }?.requests == 5)
    }
}
