import Crypto
import Foundation

/// Record protection keys from logged secrets: TLS 1.3's HKDF-Expand-Label (RFC 8446 7.1, 7.3)
/// and TLS 1.2's PRF key expansion (RFC 5246 5, 6.3) for the AEAD suites Loupe decrypts:
/// TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384, TLS_CHACHA20_POLY1305_SHA256 (1.3) and the
/// ECDHE(/RSA) AES-GCM and ChaCha20-Poly1305 suites of 1.2 (RFC 5288, 5289, 7905). Other suites
/// (CBC, CCM, RSA key exchange without a logged master secret) are not decryptable: nil.
enum TLSTrafficKeys {
    enum Cipher: Sendable { case aesGCM, chacha }

    struct Suite {
        var cipher: Cipher
        var keyLength: Int
        var sha384: Bool
    }

    static func suite(_ id: UInt16) -> Suite? {
        switch id {
        case 0x1301: Suite(cipher: .aesGCM, keyLength: 16, sha384: false)
        case 0x1302: Suite(cipher: .aesGCM, keyLength: 32, sha384: true)
        case 0x1303: Suite(cipher: .chacha, keyLength: 32, sha384: false)
        // TLS 1.2 ECDHE-ECDSA / ECDHE-RSA / DHE-RSA / RSA with AES-GCM
        case 0xC02B, 0xC02F, 0x009E, 0x009C: Suite(cipher: .aesGCM, keyLength: 16, sha384: false)
        case 0xC02C, 0xC030, 0x009F, 0x009D: Suite(cipher: .aesGCM, keyLength: 32, sha384: true)
        case 0xCCA8, 0xCCA9, 0xCCAA: Suite(cipher: .chacha, keyLength: 32, sha384: false)
        default: nil
        }
    }

    /// HKDF-Expand-Label(secret, label, "", length).
    static func expandLabel(_ secret: [UInt8], _ label: String, length: Int, sha384: Bool) -> [UInt8] {
        let full = Array(("tls13 " + label).utf8)
        var info: [UInt8] = [UInt8(length >> 8), UInt8(length & 0xFF), UInt8(full.count)]
        info += full
        info.append(0)  // empty context
        let key = SymmetricKey(data: secret)
        let out =
            sha384
            ? HKDF<SHA384>.expand(pseudoRandomKey: key, info: info, outputByteCount: length)
            : HKDF<SHA256>.expand(pseudoRandomKey: key, info: info, outputByteCount: length)
        return out.withUnsafeBytes { Array($0) }
    }

    /// TLS 1.3 write key and IV of a traffic secret.
    static func tls13(_ secret: [UInt8], _ suite: Suite) -> (key: [UInt8], iv: [UInt8]) {
        (
            expandLabel(secret, "key", length: suite.keyLength, sha384: suite.sha384),
            expandLabel(secret, "iv", length: 12, sha384: suite.sha384)
        )
    }

    /// The next traffic secret after a KeyUpdate (RFC 8446 7.2).
    static func nextSecret(_ secret: [UInt8], _ suite: Suite) -> [UInt8] {
        expandLabel(secret, "traffic upd", length: suite.sha384 ? 48 : 32, sha384: suite.sha384)
    }

    /// TLS 1.2: (client key, client IV, server key, server IV) from the master secret. AES-GCM's
    /// IV is its 4-byte implicit salt; ChaCha20-Poly1305's is 12 bytes.
    static func tls12(
        master: [UInt8], clientRandom: [UInt8], serverRandom: [UInt8], _ suite: Suite
    )
        -> (clientKey: [UInt8], clientIV: [UInt8], serverKey: [UInt8], serverIV: [UInt8])
    {
        let ivLength = suite.cipher == .aesGCM ? 4 : 12
        let total = 2 * (suite.keyLength + ivLength)
        let block = prf(master, label: "key expansion", seed: serverRandom + clientRandom, length: total, sha384: suite.sha384)
        let k = suite.keyLength
        return (
            Array(block[0..<k]), Array(block[2 * k..<2 * k + ivLength]),
            Array(block[k..<2 * k]), Array(block[2 * k + ivLength..<2 * k + 2 * ivLength])
        )
    }

    /// P_hash (RFC 5246 5) with the suite's hash.
    static func prf(_ secret: [UInt8], label: String, seed: [UInt8], length: Int, sha384: Bool) -> [UInt8] {
        let key = SymmetricKey(data: secret)
        func mac(_ d: [UInt8]) -> [UInt8] {
            sha384
                ? Array(HMAC<SHA384>.authenticationCode(for: d, using: key))
                : Array(HMAC<SHA256>.authenticationCode(for: d, using: key))
        }
        let fullSeed = Array(label.utf8) + seed
        var a = fullSeed
        var out: [UInt8] = []
        while out.count < length {
            a = mac(a)
            out += mac(a + fullSeed)
        }
        return Array(out.prefix(length))
    }
}
