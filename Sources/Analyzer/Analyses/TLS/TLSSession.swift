import Dissectors

/// One TLS-over-TCP connection: both directions' reassembly and record streams, and the
/// handshake facts they yield. Times are the pass's nanoseconds of the segment that
/// completed each message or record (tshark attributes a split message to its last segment).
struct TLSSession {
    struct AlertSeen {
        var fromClient: Bool
        var alert: TLS.Alert
        var time: Int64
    }

    private var lowReassembler = StreamReassembler()
    private var highReassembler = StreamReassembler()
    private var lowStream = TLSRecordStream()
    private var highStream = TLSRecordStream()

    /// The TLS client: who sent the first ClientHello (else the TCP client).
    var clientIsLow: Bool
    var clientHello: TLS.ClientHello?
    var sslv2Hello: TLS.SSLv2ClientHello?
    var clientHelloTime: Int64?
    /// Segments the first ClientHello spanned.
    var clientHelloSegments = 0
    var clientHellos = 0
    /// The first ServerHello (a HelloRetryRequest, when there is one: timing and JA3S use it).
    var firstServerHello: TLS.ServerHello?
    var serverHelloTime: Int64?
    /// The last ServerHello: what was finally negotiated.
    var serverHello: TLS.ServerHello? { didSet { negotiatedVersion = serverHello?.version } }
    /// The last ServerHello's version, kept apart: read on every application-data record,
    /// through `serverHello` it copied the hello and retained its arrays (measured: 2% of
    /// the pass thread).
    private(set) var negotiatedVersion: UInt16?
    var helloRetryRequest = false
    var certificateSeen = false
    var certificate: CertificateSummary?
    /// The pass's decoded certificates (nil: decode every one).
    var certificates: CertificateCache?
    var certificateTime: Int64?
    var alerts: [AlertSeen] = []
    var encryptedAlerts = 0
    var clientChangeCipherSpec: Int64?
    var serverChangeCipherSpec: Int64?
    /// TLS 1.3: the client's first type-23 record after the ServerHello (its Finished).
    var clientFinishedTime: Int64?
    var applicationDataFromClient = 0
    var applicationDataFromServer = 0
    var exchanges = TLSExchanges()
    /// TLS 1.3: the length of the server's records taken for post-handshake messages, while
    /// more of them may come (nil: none yet; -1: the server has sent something else since).
    private var ticketLength: Int?
    /// The client stream offset acknowledged by the server's latest segment.
    private var serverAcknowledged: UInt64?
    var resetTime: Int64?
    var finSeen = false
    var malformed = 0
    var firstError: DecodeError?

    static let alertsKept = 8

    /// With keys: the connection's decryption (shared with both record streams), the
    /// ClientHello's random it is looked up by, what decryption revealed, and the HTTP/1.1
    /// conversation read from the decrypted bytes.
    private(set) var decryption: TLSDecryption?
    /// TLS 1.3 0-RTT offered with keys: its data held until the server accepts or refuses it.
    private(set) var earlyData: TLSEarlyData?
    private var clientRandom: [UInt8]?
    /// TLS 1.3: the ALPN protocol EncryptedExtensions selected (decrypted).
    var encryptedALPN: String?
    var http: HTTPConversation?

    init(clientIsLow: Bool) {
        self.clientIsLow = clientIsLow
        highStream.isLow = false
    }

    /// Decrypt this connection with `keyLog` (called before its first segment).
    mutating func decrypt(with keyLog: TLSKeyLog) {
        let d = TLSDecryption(keyLog: keyLog)
        decryption = d
        lowStream.decryption = d
        highStream.decryption = d
    }

    /// Whether the connection's records were opened with keys.
    var decrypted: Bool { (decryption?.decryptedRecords ?? 0) > 0 }

    var isTLS13: Bool { (negotiatedVersion ?? 0) >= 0x0304 && negotiatedVersion != 0x7F00 }

    /// When the handshake finished: TLS 1.3, the client's Finished; earlier versions, the
    /// later of the two ChangeCipherSpecs (the oracle's definition).
    var handshakeDone: Int64? {
        guard negotiatedVersion != nil else { return nil }
        if isTLS13 { return clientFinishedTime }
        guard let c = clientChangeCipherSpec, let s = serverChangeCipherSpec else { return nil }
        return max(c, s)
    }

    /// RFC 5246 7.4.1.3 (session ID echoed), RFC 5077 3.1 (ticket accepted: the server echoes
    /// session_ticket and skips Certificate), RFC 8446 2.2 (pre_shared_key chosen).
    var resumed: Bool? {
        guard let sh = serverHello else { return nil }
        if isTLS13 { return sh.extensions.contains(TLS.ClientHello.Extension.preSharedKey) }
        if !sh.sessionID.isEmpty && sh.sessionID == clientHello?.sessionID { return true }
        return sh.extensions.contains(TLS.ClientHello.Extension.sessionTicket) && !certificateSeen
    }

    // MARK: - Input

    /// One TCP segment of this connection.
    mutating func segment(
        fromLow: Bool, sequence: UInt32, ack: UInt32, flags: TCP.Flags,
        payload: UnsafeRawBufferPointer, time: Int64, budget: inout ReassemblyBudget
    ) {
        if fromLow != clientIsLow && flags.contains(.ack) {
            // How much of the client's stream the server had when it sent this segment.
            serverAcknowledged = (clientIsLow ? lowReassembler : highReassembler).offset(ofSequence: ack)
        }
        // The reassemblers are swapped out while they deliver (`receive` mutates the
        // session); that costs copies of both, so only when they have something to do: not
        // for a pure ACK, nor for an ACK of exactly what was delivered, nor for a segment in
        // order with nothing buffered (most segments: its chunk is delivered after the
        // reassembler's turn, without a swap).
        if (fromLow ? lowReassembler : highReassembler).takes(payloadCount: payload.count) {
            let syn = flags.contains(.syn)
            let ordered =
                fromLow
                ? lowReassembler.nextInOrder(sequence: sequence, syn: syn, payload: payload, time: time)
                : highReassembler.nextInOrder(sequence: sequence, syn: syn, payload: payload, time: time)
            if let chunk = ordered {
                receive(chunk, fromLow: fromLow)
            } else {
                var reassembler = StreamReassembler()
                if fromLow { swap(&reassembler, &lowReassembler) } else { swap(&reassembler, &highReassembler) }
                reassembler.segment(
                    sequence: sequence, syn: syn, payload: payload, time: time,
                    budget: &budget
                ) { chunk in receive(chunk, fromLow: fromLow) }
                if fromLow { swap(&reassembler, &lowReassembler) } else { swap(&reassembler, &highReassembler) }
            }
        }
        if flags.contains(.ack) && (fromLow ? highReassembler : lowReassembler).isBehind(ack) {
            // Data the peer acknowledged and the capture missed: a gap in the other direction.
            var other = StreamReassembler()
            if fromLow { swap(&other, &highReassembler) } else { swap(&other, &lowReassembler) }
            other.acknowledged(ack, budget: &budget) { chunk in receive(chunk, fromLow: !fromLow) }
            if fromLow { swap(&other, &highReassembler) } else { swap(&other, &lowReassembler) }
        }
        if flags.contains(.rst) && resetTime == nil { resetTime = time }
        lastSegmentTime = time
        if flags.contains(.fin) { finSeen = true }
    }

    /// What the API-server analysis reads of a finished session (`APIServerAnalysis.add`):
    /// kept apart so that a settled session can be folded while its flow is still held.
    struct APIView {
        /// ClientHello to the end of the handshake, when both were seen.
        var handshakeLatency: Int64?
        var handshakeDone: Bool
        var fatalAlert: Bool
        var failed: Bool
        var reset: Bool
        var exchanges: TLSExchanges
        /// With keys: the HTTP/1.1 conversation the decrypted records held (nil: not decrypted).
        var http: HTTPConversation?
        /// Keys were given but did not open this connection (no secrets for it, another suite).
        var notDecrypted = false
        var failedRecords = 0
        var decryptedRecords = 0
        /// The connection may carry HTTP/2 (its ClientHello offered h2 and no http/1.1 was
        /// seen selected, or no ClientHello was seen): record boundaries then do not pair
        /// requests with responses (concurrent streams, control frames), so its exchanges
        /// are inferred.
        var mayBeHTTP2 = true
        /// The server refused the client's 0-RTT data (`TLSEarlyData`): not read as requests.
        var refusedEarlyData = false
    }

    var apiView: APIView {
        let done = handshakeDone
        return APIView(
            handshakeLatency: clientHelloTime.flatMap { start in done.map { $0 - start } },
            handshakeDone: done != nil, fatalAlert: alerts.contains { $0.alert.isFatal },
            failed: TLSFailure.of(self) != nil, reset: resetTime != nil, exchanges: exchanges,
            http: decrypted ? http ?? .undecided : nil,
            notDecrypted: decryption != nil && !decrypted, failedRecords: decryption?.failedRecords ?? 0,
            decryptedRecords: decryption?.decryptedRecords ?? 0,
            mayBeHTTP2: clientHello.map { hello in
                hello.alpn.contains("h2") && (serverHello?.alpn ?? encryptedALPN) != "http/1.1"
            } ?? true, refusedEarlyData: earlyData?.state == .refused)
    }

    /// Nothing is waiting for a missing segment: `finish` would change nothing.
    var isSettled: Bool { lowReassembler.isSettled && highReassembler.isSettled }

    /// The connection is over: buffered data goes out (after holes).
    mutating func finish(budget: inout ReassemblyBudget) {
        for fromLow in [true, false] {
            var reassembler = StreamReassembler()
            if fromLow { swap(&reassembler, &lowReassembler) } else { swap(&reassembler, &highReassembler) }
            reassembler.finish(budget: &budget) { chunk in receive(chunk, fromLow: fromLow) }
        }
        // The server's answer to 0-RTT never decrypted: its early data is read as sent.
        if earlyData?.isPending == true { deliverEarly(earlyData!.resolve(accepted: true), at: lastSegmentTime) }
        http?.close(at: lastSegmentTime)
    }

    /// Early data the server took, as the first client bytes of the HTTP conversation; a
    /// part past `TLSEarlyData.maximumHeld` cuts the conversation there.
    private mutating func deliverEarly(_ pieces: [(bytes: [UInt8], time: Int64)], at time: Int64) {
        guard !pieces.isEmpty || earlyData?.overflowed == true else { return }
        if http == nil { http = .undecided }
        for p in pieces { p.bytes.withUnsafeBytes { http!.client(ByteSlice($0), time: p.time) } }
        if earlyData?.overflowed == true { http!.gap(fromClient: true) }
    }

    /// The latest segment's time (a response read until the connection's end ends there).
    private var lastSegmentTime: Int64 = 0

    private mutating func receive(_ chunk: ReassembledChunk, fromLow: Bool) {
        // Inside an encrypted record (most chunks of a transfer): no event, no swap.
        if fromLow ? lowStream.skipInsideRecord(chunk) : highStream.skipInsideRecord(chunk) { return }
        var stream = TLSRecordStream()
        if fromLow { swap(&stream, &lowStream) } else { swap(&stream, &highStream) }
        stream.receive(chunk) { event, time in handle(event, time: time, fromLow: fromLow) }
        if fromLow { swap(&stream, &lowStream) } else { swap(&stream, &highStream) }
    }

    /// A TLS 1.3 record carrying an alert, unpadded: alert (2) + inner content type (1) + tag (16).
    static let encryptedAlertLength = 19

    /// Returns, for a ChangeCipherSpec, whether this side's later records are encrypted.
    private mutating func handle(_ event: TLSEvent, time: Int64, fromLow: Bool) -> Bool {
        let fromClient = fromLow == clientIsLow
        switch event {
        case .handshake(let type, let body, let segments):
            handshake(type, body, time: time, fromLow: fromLow, segments: segments)
        case .changeCipherSpec:
            decryption?.changeCipherSpec(fromLow: fromLow)
            if fromClient {
                if clientChangeCipherSpec == nil { clientChangeCipherSpec = time }
            } else if serverChangeCipherSpec == nil {
                serverChangeCipherSpec = time
            }
            return !isTLS13
        case .alert(let alert):
            if alerts.count < Self.alertsKept { alerts.append(AlertSeen(fromClient: fromClient, alert: alert, time: time)) }
        case .encryptedAlert: encryptedAlerts += 1
        case .applicationData(let end, let length):
            if fromClient {
                applicationDataFromClient += 1
                if negotiatedVersion != nil && clientFinishedTime == nil {
                    clientFinishedTime = time
                    if isTLS13 { return false }  // the encrypted Finished: not a request
                }
                // TLS 1.3 hides an alert in a type-23 record: 2 bytes of alert, its inner type
                // and a 16-byte AEAD tag make 19 (every TLS 1.3 suite's tag is 16 bytes); no
                // request is 3 bytes. A close_notify is not a request.
                if isTLS13 && length == Self.encryptedAlertLength { return false }
                if handshakeDone != nil { exchanges.clientRecord(at: time, end: end) }
            } else {
                applicationDataFromServer += 1
                if isPostHandshake(length: length, at: time) {
                    exchanges.postHandshake(at: time)
                } else if handshakeDone != nil {
                    exchanges.serverRecord(at: time, acknowledged: serverAcknowledged)
                }
            }
        case .plaintext(let bytes):
            if fromClient && earlyData?.isPending == true { earlyData!.hold(bytes, time: time); return false }
            if http == nil { http = .undecided }
            if fromClient { http!.client(bytes, time: time) } else { http!.server(bytes, time: time) }
        case .undecryptable: http?.gap(fromClient: fromClient)  // counted by the decryption
        case .sslv2Hello(let hello):
            clientHellos += 1
            if clientHelloTime == nil {
                sslv2Hello = hello
                clientHelloTime = time
                clientHelloSegments = 1
                clientIsLow = fromLow
            }
        case .malformed(let error):
            malformed += 1
            if firstError == nil { firstError = error }
        }
        return false
    }

    /// How long after the client's Finished a TLS 1.3 server's first record is taken for a
    /// session ticket: twice its ClientHello-to-ServerHello time (the round trip to the server
    /// and its handshake work; a ticket costs less), plus 1 ms. Later records of the same
    /// length count too within `ticketRun` of the Finished: OpenSSL sends two tickets, the
    /// second often held back by Nagle until the first is acknowledged (a delayed ACK: 40 ms
    /// on Linux, up to 200 ms elsewhere).
    static let ticketSlack: Int64 = 1_000_000
    static let ticketRun: Int64 = 250_000_000

    /// Whether a TLS 1.3 server record after the client's Finished is a post-handshake message
    /// (NewSessionTicket, KeyUpdate) rather than data: the first one, if it came within the
    /// window above, and those of its length after it. Go and others that send their tickets
    /// before the client's Finished are not affected (those records come before the handshake's end).
    private mutating func isPostHandshake(length: Int, at time: Int64) -> Bool {
        guard isTLS13, let finished = clientFinishedTime, ticketLength != -1 else { return false }
        if let l = ticketLength {
            if l == length && time - finished <= Self.ticketRun { return true }
        } else if let hello = clientHelloTime, let serverHello = serverHelloTime,
            time - finished <= 2 * max(0, serverHello - hello) + Self.ticketSlack
        {
            ticketLength = length
            return true
        }
        ticketLength = -1
        return false
    }

    private mutating func handshake(_ type: UInt8, _ body: ByteSlice, time: Int64, fromLow: Bool, segments: Int) {
        do throws(DecodeError) {
            switch type {
            case TLS.HandshakeType.clientHello:
                clientHellos += 1
                guard clientHelloTime == nil else { return }
                clientHelloTime = time
                clientHelloSegments = segments
                clientIsLow = fromLow
                clientHello = try TLS.ClientHello(body)
                if let d = decryption, body.count >= 34 {
                    let random = Array(body.dropFirst(2).prefix(32).base)
                    clientRandom = random
                    if let ch = clientHello, ch.extensions.contains(TLS.ClientHello.Extension.earlyData) {
                        d.startEarly(clientRandom: random, clientIsLow: fromLow, offered: ch.cipherSuites)
                        earlyData = TLSEarlyData()
                    }
                }
            case TLS.HandshakeType.serverHello:
                let hello = try TLS.ServerHello(body)
                if let d = decryption, !hello.isHelloRetryRequest, let random = clientRandom, body.count >= 34 {
                    d.lowIsClient = clientIsLow
                    d.start(
                        clientRandom: random, serverRandom: Array(body.dropFirst(2).prefix(32).base),
                        suiteID: hello.cipherSuite, version: hello.version)
                }
                if hello.isHelloRetryRequest { helloRetryRequest = true }
                if firstServerHello == nil {
                    firstServerHello = hello
                    serverHelloTime = time
                }
                serverHello = hello
            case TLS.HandshakeType.certificate where fromLow != clientIsLow && !isTLS13:
                guard !certificateSeen else { return }
                certificateSeen = true
                certificateTime = time
                if let first = try TLS.certificates(body).first {
                    certificate = certificates?.summary(first.base) ?? CertificateSummary(der: first.base)
                }
            case TLS.HandshakeType.encryptedExtensions where fromLow != clientIsLow:
                encryptedALPN = try TLS.selectedALPN(encryptedExtensions: body)
                if earlyData?.isPending == true {
                    let accepted = try TLS.acceptsEarlyData(encryptedExtensions: body)
                    deliverEarly(earlyData!.resolve(accepted: accepted), at: time)
                }
            case TLS.HandshakeType.certificate where fromLow != clientIsLow && isTLS13:
                guard !certificateSeen else { return }
                certificateSeen = true
                certificateTime = time
                if let first = try TLS.certificates13(body).first {
                    certificate = certificates?.summary(first.base) ?? CertificateSummary(der: first.base)
                }
            default: break
            }
        } catch {
            malformed += 1
            if firstError == nil { firstError = error }
        }
    }
}
