import Dissectors

/// What one direction of a TLS connection said, in order, as the record stream yields it.
enum TLSEvent {
    /// A whole handshake message (type, body), cleartext only, and how many chunks
    /// (segments) it spanned: tshark's `tcp.segment.count`.
    case handshake(UInt8, ByteSlice, segments: Int)
    case changeCipherSpec
    case alert(TLS.Alert)
    /// An alert record that is not 2 bytes, or follows this side's ChangeCipherSpec.
    case encryptedAlert
    /// A record of content type 23 (application data; in TLS 1.3 every encrypted record), the
    /// stream offset just past it, and its length (bytes after the record header).
    case applicationData(end: UInt64, length: Int)
    /// A record's decrypted application data (with keys), after its `applicationData` event.
    case plaintext(ByteSlice)
    /// A record the keys did not open (authentication failed).
    case undecryptable
    case sslv2Hello(TLS.SSLv2ClientHello)
    /// The stream stopped making sense here: what and where (bytes into this direction).
    case malformed(DecodeError)
}

/// One direction of a TLS connection: the record layer over the reassembled byte stream.
///
/// Records may span segments and one segment may carry several; handshake messages may
/// span records. Bytes are copied only for what is decoded and does not fit in one chunk
/// (a split handshake message); application data records are skipped by length, so a gap
/// inside one (a segment the capture missed) costs nothing: the next header is where the
/// length says. Any other gap, or a header that is not TLS, loses the framing: the stream
/// then waits for a chunk that begins with a plausible record header (`TLS.isRecordStart`)
/// and resumes there, which is also how a capture that starts mid-connection gets in sync.
struct TLSRecordStream {
    /// Largest handshake message kept (a certificate chain is rarely past 64 KB); longer
    /// ones are reported and the rest of this direction's handshake is not decoded.
    static let maximumHandshakeMessage = 256 * 1024

    private enum Mode { case syncing, header, body }
    private var mode = Mode.syncing
    /// An SSLv2-format hello is only taken as the stream's first bytes.
    private var atStart = true
    private var header: UInt64 = 0
    private var headerCount = 0
    private var recordType: UInt8 = 0
    /// The current record's length (after its header).
    private var recordLength = 0
    private var remaining = 0
    /// A record body being decoded that did not arrive in one chunk.
    private var body: [UInt8] = []
    /// Handshake bytes waiting for the rest of their message.
    private var handshake: [UInt8] = []
    private var chunks = 0
    private var handshakeStartChunk = 0
    /// The chunk the current record header began in.
    private var headerChunk = 0
    /// Set after this side's ChangeCipherSpec (TLS 1.2 and earlier): its later handshake and
    /// alert records are encrypted. The session clears `ccsEncrypts` for TLS 1.3, where
    /// ChangeCipherSpec is a compatibility no-op and encrypted records are all type 23.
    var encrypted = false
    /// A handshake message past the bound: the records still count, their content is skipped.
    private var handshakeAbandoned = false
    var ccsEncrypts = true
    private(set) var resynchronizations = 0
    /// Bytes of this direction seen by the decoder, for error offsets.
    private var position: UInt64 = 0
    /// With keys: the connection's decryption, and which side this stream is.
    var decryption: TLSDecryption?
    var isLow = true
    private var recordVersion: UInt16 = 0

    /// `receive`'s common case, with no events: a chunk inside the body of a record that is
    /// not decoded (encrypted data: most segments of a bulk transfer) and does not end it.
    /// False, changing nothing, when `receive` must take the chunk.
    mutating func skipInsideRecord(_ chunk: ReassembledChunk) -> Bool {
        guard mode == .body, chunk.gapBefore == 0, remaining > chunk.bytes.count, !decodesBody else { return false }
        chunks += 1
        remaining -= chunk.bytes.count
        position = chunk.streamOffset + UInt64(chunk.bytes.count)
        atStart = false
        return true
    }

    mutating func receive(_ chunk: ReassembledChunk, _ event: (TLSEvent, Int64) -> Bool) {
        chunks += 1
        let time = chunk.time
        if chunk.gapBefore > 0 { gap(chunk.gapBefore) }
        position = chunk.streamOffset
        let bytes = ByteSlice(chunk.bytes)
        defer { position += UInt64(bytes.count); atStart = false }
        var i = 0
        if mode == .syncing {
            let start = bytes
            if atStart && TLS.SSLv2ClientHello.matches(start) {
                do throws(DecodeError) {
                    let hello = try TLS.SSLv2ClientHello(start)
                    _ = event(.sslv2Hello(hello), time)
                    i = hello.recordLength
                    mode = .header
                } catch {
                    _ = event(.malformed(error), time)
                    return
                }
            } else if TLS.isRecordStart(start) || (start.count < TLS.recordHeaderLength && Self.couldStartRecord(start)) {
                // A chunk shorter than a header (a tiny first segment) starts one if its bytes
                // fit; the header read then checks the rest.
                if !atStart { resynchronizations += 1 }
                mode = .header
            } else {
                return
            }
        }
        while i < bytes.count && mode != .syncing {
            if mode == .header {
                if headerCount == 0 { headerChunk = chunks }
                while headerCount < TLS.recordHeaderLength && i < bytes.count {
                    header = header << 8 | UInt64(bytes.u8(at: i))
                    headerCount += 1
                    i += 1
                }
                guard headerCount == TLS.recordHeaderLength else { return }
                headerCount = 0
                guard startRecord(at: i, time, event) else { return }
                if remaining == 0 {
                    finishRecord(ByteSlice(UnsafeRawBufferPointer(start: nil, count: 0)), end: position + UInt64(i), time, event)
                }
                continue
            }
            // mode == .body
            let k = min(remaining, bytes.count - i)
            let piece = bytes.dropFirst(i).prefix(k)
            i += k
            remaining -= k
            if !decodesBody {
                if remaining == 0 { finishRecord(piece, end: position + UInt64(i), time, event) }
            } else if remaining == 0 && body.isEmpty {
                finishRecord(piece, end: position + UInt64(i), time, event)  // whole in this chunk: no copy
            } else {
                body.append(contentsOf: piece.base)
                if remaining == 0 {
                    let whole = body
                    body.removeAll()
                    let end = position + UInt64(i)
                    whole.withUnsafeBytes { finishRecord(ByteSlice($0), end: end, time, event) }
                }
            }
        }
    }

    /// The first bytes of a record header, as far as they go: type 20-23, version 3.x (x <= 4).
    static func couldStartRecord(_ p: ByteSlice) -> Bool {
        guard p.count > 0, (20...23).contains(p.u8(at: 0)) else { return false }
        return (p.count < 2 || p.u8(at: 1) == 3) && (p.count < 3 || p.u8(at: 2) <= 4)
    }

    /// Records whose content is read (the rest are skipped by length).
    private var decodesBody: Bool {
        recordType == TLS.ContentType.alert || recordType == TLS.ContentType.changeCipherSpec
            || (recordType == TLS.ContentType.handshake && !encrypted && !handshakeAbandoned) || decrypts
    }

    /// The current record is opened with keys: TLS 1.3's type-23 records, and TLS 1.2's
    /// records after this side's ChangeCipherSpec.
    private var decrypts: Bool {
        guard let d = decryption, d.active(fromLow: isLow) else { return false }
        return recordType == TLS.ContentType.applicationData
            || (encrypted && (recordType == TLS.ContentType.handshake || recordType == TLS.ContentType.alert))
    }

    /// Validates the header just read; false when the stream lost its framing.
    private mutating func startRecord(at i: Int, _ time: Int64, _ event: (TLSEvent, Int64) -> Bool) -> Bool {
        let type = UInt8(truncatingIfNeeded: header >> 32)
        let major = UInt8(truncatingIfNeeded: header >> 24)
        let length = Int(header & 0xFFFF)
        let offset = Int(clamping: position) + i - TLS.recordHeaderLength
        guard (20...24).contains(type), major == 3 else {
            lose(DecodeError(.badValue, .tls, at: offset, value: Int(type), limit: 24), time, event)
            return false
        }
        guard length <= TLS.RecordHeader.maximumLength else {
            lose(
                DecodeError(.badLength, .tls, at: offset + 3, value: length, limit: TLS.RecordHeader.maximumLength),
                time, event)
            return false
        }
        recordType = type
        recordVersion = UInt16(truncatingIfNeeded: header >> 16)
        recordLength = length
        remaining = length
        mode = .body
        if type == TLS.ContentType.handshake && handshake.isEmpty { handshakeStartChunk = headerChunk }
        return true
    }

    private mutating func finishRecord(
        _ content: ByteSlice, end: UInt64, _ time: Int64,
        _ event: (TLSEvent, Int64) -> Bool
    ) {
        mode = .header
        if decrypts {
            openRecord(content, end: end, time, event)
            return
        }
        switch recordType {
        case TLS.ContentType.applicationData: _ = event(.applicationData(end: end, length: recordLength), time)
        case TLS.ContentType.changeCipherSpec:
            if event(.changeCipherSpec, time) { encrypted = true }
        case TLS.ContentType.alert:
            if !encrypted, let alert = try? TLS.Alert(content) {
                _ = event(.alert(alert), time)
            } else {
                _ = event(.encryptedAlert, time)
            }
        case TLS.ContentType.handshake where !encrypted && !handshakeAbandoned: handshakeBytes(content, time, event)
        default: break
        }
    }

    /// A protected record, opened: its inner content goes where a cleartext record's would.
    /// Type-23 records still yield `applicationData` (counts and timing do not depend on keys).
    private mutating func openRecord(_ content: ByteSlice, end: UInt64, _ time: Int64, _ event: (TLSEvent, Int64) -> Bool) {
        if recordType == TLS.ContentType.applicationData {
            _ = event(.applicationData(end: end, length: recordLength), time)
        }
        guard let opened = decryption?.open(fromLow: isLow, type: recordType, version: recordVersion, body: content) else {
            _ = event(.undecryptable, time)
            return
        }
        if decryption?.lastSkipped ?? 0 > 0 { _ = event(.undecryptable, time) }  // records lost before it
        opened.plaintext.withUnsafeBytes { raw in
            let plain = ByteSlice(raw)
            switch opened.type {
            case TLS.ContentType.handshake where !handshakeAbandoned: handshakeBytes(plain, time, event)
            case TLS.ContentType.applicationData: _ = event(.plaintext(plain), time)
            case TLS.ContentType.alert: if let alert = try? TLS.Alert(plain) { _ = event(.alert(alert), time) }
            default: break
            }
        }
    }

    /// Splits handshake record content into messages, keeping a partial one for later.
    private mutating func handshakeBytes(_ content: ByteSlice, _ time: Int64, _ event: (TLSEvent, Int64) -> Bool) {
        if handshake.isEmpty {
            let used = messages(in: content, time, event)
            if used < content.count { handshake.append(contentsOf: content.dropFirst(used).base) }
        } else {
            handshake.append(contentsOf: content.base)
            let pending = handshake
            let used = pending.withUnsafeBytes { messages(in: ByteSlice($0), time, event) }
            handshake.removeFirst(min(used, handshake.count))
        }
        if handshake.count > Self.maximumHandshakeMessage + TLS.handshakeHeaderLength {
            let declared = Int(handshake[1]) << 16 | Int(handshake[2]) << 8 | Int(handshake[3])
            _ = event(
                .malformed(
                    DecodeError(
                        .limit, .tls, at: Int(clamping: position), value: declared,
                        limit: Self.maximumHandshakeMessage)), time)
            handshake = []
            handshakeAbandoned = true
        }
    }

    /// The handshake bytes being split came out of a protected record.
    private var encryptedHandshake: Bool { decrypts }

    /// Emits the whole messages at the front of `bytes`; returns the bytes they took.
    private mutating func messages(in bytes: ByteSlice, _ time: Int64, _ event: (TLSEvent, Int64) -> Bool) -> Int {
        var used = 0
        while bytes.count - used >= TLS.handshakeHeaderLength {
            let rest = bytes.dropFirst(used)
            let length = Int(rest.u8(at: 1)) << 16 | Int(rest.u16(at: 2))
            guard rest.count - TLS.handshakeHeaderLength >= length else { break }
            let type = rest.u8(at: 0)
            _ = event(
                .handshake(
                    type, rest.dropFirst(TLS.handshakeHeaderLength).prefix(length),
                    segments: max(1, chunks - handshakeStartChunk + 1)), time)
            // With keys, TLS 1.3: after this side's Finished its records use traffic keys.
            if let d = decryption, encryptedHandshake {
                if type == TLS.HandshakeType.finished { d.finished(fromLow: isLow) }
                if type == TLS.HandshakeType.keyUpdate { d.keyUpdate(fromLow: isLow) }
                if type == TLS.HandshakeType.endOfEarlyData { d.endOfEarlyData(fromLow: isLow) }
            }
            used += TLS.handshakeHeaderLength + length
            handshakeStartChunk = chunks
        }
        return used
    }

    /// Bytes the capture never showed. Inside a record that is skipped anyway the framing
    /// survives; anywhere else it is lost.
    private mutating func gap(_ missing: UInt64) {
        position += missing
        if mode == .body && !decodesBody && missing <= UInt64(remaining) {
            remaining -= Int(missing)
            if remaining == 0 { mode = .header }
            return
        }
        if mode != .syncing { resetFraming() }
    }

    private mutating func lose(_ error: DecodeError, _ time: Int64, _ event: (TLSEvent, Int64) -> Bool) {
        _ = event(.malformed(error), time)
        resetFraming()
    }

    private mutating func resetFraming() {
        mode = .syncing
        headerCount = 0
        header = 0
        remaining = 0
        body.removeAll()
        handshake.removeAll()
    }
}
