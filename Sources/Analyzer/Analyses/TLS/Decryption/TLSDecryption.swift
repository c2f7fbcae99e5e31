import Dissectors

/// One connection's decryption: both directions' record protection as the handshake moves
/// it (TLS 1.3: the client's early (0-RTT) keys from its ClientHello, handshake keys from the
/// ServerHello (the client's after its EndOfEarlyData), traffic keys after each side's
/// Finished, new keys at a KeyUpdate; TLS 1.2: keys from each side's ChangeCipherSpec). Shared by the
/// session (which installs keys when it reads the ServerHello) and its two record streams
/// (which open records), hence a class; made only when a key log is given.
final class TLSDecryption {
    struct Side {
        var current: TLSRecordDecryptor?
        /// TLS 1.3: the traffic secret that replaces the handshake keys after Finished.
        var trafficSecret: [UInt8]?
        /// TLS 1.2: keys waiting for this side's ChangeCipherSpec.
        var afterChangeCipherSpec: TLSRecordDecryptor?
        /// TLS 1.3 0-RTT, the client: its early data's keys under each suite the ClientHello
        /// offers (the resumed session's suite is one of them; the first record that opens
        /// tells which), and the handshake keys that follow its EndOfEarlyData.
        var earlyCandidates: [TLSRecordDecryptor] = []
        var afterEarlyData: TLSRecordDecryptor?
        /// Records in a row that did not authenticate (after a gap, past the resync window,
        /// or with wrong keys); after `failureLimit` this side stops trying.
        var failures = 0
    }

    let keyLog: TLSKeyLog
    var lowIsClient = true
    private(set) var low = Side()
    private(set) var high = Side()
    private var suite: TLSTrafficKeys.Suite?
    private(set) var tls13 = false
    /// Why this connection is not decrypted, if it is not: "no keys", "cipher suite 0x...".
    private(set) var notDecryptable: String?
    private(set) var decryptedRecords = 0
    /// Records the last `open` found lost before the one it opened.
    private(set) var lastSkipped = 0
    private(set) var failedRecords = 0
    static let failureLimit = 8

    init(keyLog: TLSKeyLog) { self.keyLog = keyLog }

    /// Whether records from this side are opened now (or its early data may be).
    func active(fromLow: Bool) -> Bool {
        (fromLow ? low : high).current != nil || !(fromLow ? low : high).earlyCandidates.isEmpty
    }

    /// TLS 1.3 0-RTT: the ClientHello offered early data and the key log has its secret.
    func startEarly(clientRandom: [UInt8], clientIsLow: Bool, offered: [UInt16]) {
        guard let early = keyLog.secrets(forClientRandom: clientRandom)?.clientEarly else { return }
        lowIsClient = clientIsLow
        tls13 = true
        let candidates = offered.filter { (0x1301...0x1303).contains($0) }.compactMap { id -> TLSRecordDecryptor? in
            guard let suite = TLSTrafficKeys.suite(id) else { return nil }
            let k = TLSTrafficKeys.tls13(early, suite)
            return TLSRecordDecryptor(cipher: suite.cipher, key: k.key, iv: k.iv, tls13: true)
        }
        set(client: true) { $0.earlyCandidates = candidates }
    }

    /// TLS 1.3: the client's EndOfEarlyData went; its next records use its handshake keys.
    func endOfEarlyData(fromLow: Bool) {
        side(fromLow) { s in
            if let next = s.afterEarlyData { s.current = next; s.afterEarlyData = nil }
        }
    }

    /// Keys for the connection, from its randoms and the ServerHello's choices.
    func start(clientRandom: [UInt8], serverRandom: [UInt8], suiteID: UInt16, version: UInt16) {
        guard let secrets = keyLog.secrets(forClientRandom: clientRandom) else {
            notDecryptable = "no keys"
            return
        }
        guard let suite = TLSTrafficKeys.suite(suiteID) else {
            notDecryptable = "cipher suite 0x" + String(suiteID, radix: 16, uppercase: true)
            return
        }
        self.suite = suite
        tls13 = version >= 0x0304 && version != 0x7F00
        if tls13 {
            guard let ch = secrets.clientHandshake, let sh = secrets.serverHandshake else {
                notDecryptable = "no handshake secrets"
                return
            }
            let c = TLSTrafficKeys.tls13(ch, suite), s = TLSTrafficKeys.tls13(sh, suite)
            set(client: true) { side in
                let handshake = TLSRecordDecryptor(cipher: suite.cipher, key: c.key, iv: c.iv, tls13: true)
                // Early data opened: the client keeps its early keys until EndOfEarlyData.
                if side.current != nil { side.afterEarlyData = handshake } else { side.current = handshake }
                side.earlyCandidates = []
                side.trafficSecret = secrets.clientTraffic
            }
            set(client: false) {
                $0.current = TLSRecordDecryptor(cipher: suite.cipher, key: s.key, iv: s.iv, tls13: true)
                $0.trafficSecret = secrets.serverTraffic
            }
        } else {
            guard let master = secrets.master else {
                notDecryptable = "no master secret"
                return
            }
            let k = TLSTrafficKeys.tls12(master: master, clientRandom: clientRandom, serverRandom: serverRandom, suite)
            set(client: true) {
                $0.afterChangeCipherSpec = TLSRecordDecryptor(
                    cipher: suite.cipher, key: k.clientKey,
                    iv: k.clientIV, tls13: false)
            }
            set(client: false) {
                $0.afterChangeCipherSpec = TLSRecordDecryptor(
                    cipher: suite.cipher, key: k.serverKey,
                    iv: k.serverIV, tls13: false)
            }
        }
    }

    private func set(client: Bool, _ change: (inout Side) -> Void) {
        if client == lowIsClient { change(&low) } else { change(&high) }
    }

    private func side(_ fromLow: Bool, _ change: (inout Side) -> Void) {
        if fromLow { change(&low) } else { change(&high) }
    }

    /// TLS 1.2: this side's ChangeCipherSpec; its next records are protected.
    func changeCipherSpec(fromLow: Bool) {
        guard !tls13 else { return }
        side(fromLow) { s in
            if let next = s.afterChangeCipherSpec { s.current = next; s.afterChangeCipherSpec = nil }
        }
    }

    /// TLS 1.3: this side's Finished went; its next records use its traffic secret.
    func finished(fromLow: Bool) {
        guard tls13, let suite else { return }
        side(fromLow) { s in
            guard let secret = s.trafficSecret, s.current != nil else { return }
            let k = TLSTrafficKeys.tls13(secret, suite)
            s.current = TLSRecordDecryptor(cipher: suite.cipher, key: k.key, iv: k.iv, tls13: true)
        }
    }

    /// TLS 1.3 KeyUpdate from this side: its next records use the next secret.
    func keyUpdate(fromLow: Bool) {
        guard tls13, let suite else { return }
        side(fromLow) { s in
            guard let secret = s.trafficSecret else { return }
            let next = TLSTrafficKeys.nextSecret(secret, suite)
            s.trafficSecret = next
            let k = TLSTrafficKeys.tls13(next, suite)
            s.current = TLSRecordDecryptor(cipher: suite.cipher, key: k.key, iv: k.iv, tls13: true)
        }
    }

    /// Opens a record of this side; nil when it does not authenticate (counted).
    func open(fromLow: Bool, type: UInt8, version: UInt16, body: ByteSlice) -> (type: UInt8, plaintext: [UInt8])? {
        var result: (type: UInt8, plaintext: [UInt8])?
        side(fromLow) { s in
            if s.current == nil, !s.earlyCandidates.isEmpty {
                // The first early record: the suite whose keys open it.
                for var candidate in s.earlyCandidates {
                    if let opened = candidate.open(type: type, version: version, body: body) {
                        result = opened
                        s.current = candidate
                        break
                    }
                }
                s.earlyCandidates = []
                if result == nil { s.failures += 1 }
                return
            }
            guard s.current != nil, s.failures < Self.failureLimit else { return }
            result = s.current!.open(type: type, version: version, body: body)
            if result == nil, var next = s.afterEarlyData, let opened = next.open(type: type, version: version, body: body) {
                // The server refused the early data: the client went on with handshake keys.
                result = opened
                s.current = next
                s.afterEarlyData = nil
            }
            s.failures = result == nil ? s.failures + 1 : 0
            lastSkipped = s.current!.skipped
        }
        if result == nil { failedRecords += 1 } else { decryptedRecords += 1 }
        return result
    }
}
