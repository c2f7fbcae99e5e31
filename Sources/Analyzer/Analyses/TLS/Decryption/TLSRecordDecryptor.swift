import Crypto
import Dissectors
import Foundation

/// One direction's record protection: opens AEAD records in order (the sequence number counts
/// every record this side sent under these keys; RFC 8446 5.3, RFC 5246 6.2.3.3).
struct TLSRecordDecryptor {
    let cipher: TLSTrafficKeys.Cipher
    let key: SymmetricKey
    let iv: [UInt8]
    let tls13: Bool
    private(set) var sequence: UInt64 = 0
    /// Records the last `open` found lost before the one it opened (0: none).
    private(set) var skipped = 0
    static let tagLength = 16

    init(cipher: TLSTrafficKeys.Cipher, key: [UInt8], iv: [UInt8], tls13: Bool) {
        self.cipher = cipher
        self.key = SymmetricKey(data: key)
        self.iv = iv
        self.tls13 = tls13
    }

    /// The record's plaintext and its content type (TLS 1.3: the inner type, padding taken
    /// off), or nil when it does not authenticate (wrong keys, a record the capture cut). The
    /// sequence number moves on either way: a record was sent.
    mutating func open(type: UInt8, version: UInt16, body: ByteSlice) -> (type: UInt8, plaintext: [UInt8])? {
        skipped = 0
        if let opened = open(at: sequence, type: type, version: version, body: body) {
            sequence &+= 1
            return opened
        }
        // Records the capture lost (a gap the stream resynchronised after) moved the sender's
        // sequence on: the next `resyncWindow` numbers are tried before the record is given up.
        let first = sequence
        for ahead in 1...Self.resyncWindow {
            if let opened = open(at: first &+ UInt64(ahead), type: type, version: version, body: body) {
                sequence = first &+ UInt64(ahead) &+ 1
                skipped = ahead
                return opened
            }
        }
        sequence &+= 1
        return nil
    }

    /// Lost records a sequence number is searched ahead for (each try is one AEAD open; the
    /// connection's decryption gives up after `TLSDecryption.failureLimit` records that fail).
    static let resyncWindow = 16

    private func open(at sequence: UInt64, type: UInt8, version: UInt16, body: ByteSlice) -> (type: UInt8, plaintext: [UInt8])? {
        let bytes = body.base
        let explicitNonce = !tls13 && cipher == .aesGCM ? 8 : 0
        guard bytes.count >= explicitNonce + Self.tagLength else { return nil }
        var nonce = [UInt8](repeating: 0, count: 12)
        if explicitNonce > 0 {
            nonce[0..<4] = iv[0..<4]
            for i in 0..<8 { nonce[4 + i] = bytes[bytes.startIndex + i] }
        } else {
            for i in 0..<12 { nonce[i] = iv[i] }
            for i in 0..<8 { nonce[4 + i] ^= UInt8(truncatingIfNeeded: sequence >> (56 - 8 * UInt64(i))) }
        }
        let sealed = bytes[(bytes.startIndex + explicitNonce)...]
        let ciphertext = Array(sealed.dropLast(Self.tagLength))
        let tag = Array(sealed.suffix(Self.tagLength))
        var aad: [UInt8]
        if tls13 {
            aad = [type, UInt8(version >> 8), UInt8(version & 0xFF), UInt8(bytes.count >> 8), UInt8(bytes.count & 0xFF)]
        } else {
            aad = (0..<8).map { UInt8(truncatingIfNeeded: sequence >> (56 - 8 * UInt64($0))) }
            aad += [
                type, UInt8(version >> 8), UInt8(version & 0xFF), UInt8(ciphertext.count >> 8), UInt8(ciphertext.count & 0xFF),
            ]
        }
        let plain: Data
        do {
            switch cipher {
            case .aesGCM:
                let box = try AES.GCM.SealedBox(nonce: AES.GCM.Nonce(data: nonce), ciphertext: ciphertext, tag: tag)
                plain = try AES.GCM.open(box, using: key, authenticating: aad)
            case .chacha:
                let box = try ChaChaPoly.SealedBox(nonce: ChaChaPoly.Nonce(data: nonce), ciphertext: ciphertext, tag: tag)
                plain = try ChaChaPoly.open(box, using: key, authenticating: aad)
            }
        } catch {
            return nil
        }
        var out = [UInt8](plain)
        guard tls13 else { return (type, out) }
        // TLSInnerPlaintext: content, type, zero padding.
        while let last = out.last, last == 0 { out.removeLast() }
        guard let inner = out.popLast() else { return nil }
        return (inner, out)
    }
}
