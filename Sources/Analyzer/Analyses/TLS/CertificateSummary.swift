import Dissectors
import Foundation
import SwiftASN1
import X509

/// What a report says of a server certificate (the first of a TLS 1.2-or-earlier
/// Certificate message; TLS 1.3 encrypts it): names, issuer and validity, decoded with
/// swift-certificates. A certificate that does not parse is reported as such, not skipped.
struct CertificateSummary: Sendable, Equatable {
    var subject: String
    var subjectAlternativeNames: [String]
    var issuer: String
    var notBefore: Double
    var notAfter: Double
    /// Why the DER did not parse (then every other field is empty).
    var error: String?

    /// Certificates that expire within this of the capture are flagged.
    static let expiryWarning: Double = 30 * 86_400

    init(der: UnsafeRawBufferPointer) {
        do {
            let certificate = try Certificate(derEncoded: Array(der))
            subject = DistinguishedNameText.make(certificate.subject)
            issuer = DistinguishedNameText.make(certificate.issuer)
            notBefore = certificate.notValidBefore.timeIntervalSince1970
            notAfter = certificate.notValidAfter.timeIntervalSince1970
            subjectAlternativeNames =
                ((try? certificate.extensions.subjectAlternativeNames) ?? nil)?
                .map(Self.text) ?? []
        } catch {
            // swift-certificates also rejects what it cannot verify (RSA keys under 1024
            // bits, say): names and validity are still read from the TBSCertificate.
            subjectAlternativeNames = []
            if let names = Self.namesAndValidity(Array(der)) {
                (subject, issuer, notBefore, notAfter) = names
                self.error = "certificate only partly decoded (\(error)): subject alternative names not read"
            } else {
                (subject, issuer, notBefore, notAfter) = ("", "", 0, 0)
                self.error = "certificate does not parse: \(error)"
            }
        }
    }

    /// RFC 5280 4.1: TBSCertificate ::= SEQUENCE { [0] version OPTIONAL, serialNumber,
    /// signature, issuer, validity, subject, ... }.
    static func namesAndValidity(_ der: [UInt8]) -> (String, String, Double, Double)? {
        guard let root = try? DER.parse(der), case .constructed(let certificate) = root.content,
            let tbs = certificate.first(where: { _ in true }), case .constructed(let fields) = tbs.content
        else { return nil }
        var nodes = Array(fields)
        if nodes.first?.identifier.tagClass == .contextSpecific { nodes.removeFirst() }
        guard nodes.count >= 5, let issuer = try? DistinguishedName(derEncoded: nodes[2]),
            let subject = try? DistinguishedName(derEncoded: nodes[4]),
            case .constructed(let validity) = nodes[3].content
        else { return nil }
        let times = validity.compactMap(Self.seconds)
        guard times.count == 2 else { return nil }
        return (DistinguishedNameText.make(subject), DistinguishedNameText.make(issuer), times[0], times[1])
    }

    /// A UTCTime or GeneralizedTime as seconds since the epoch.
    static func seconds(_ node: ASN1Node) -> Double? {
        let parts: (Int, Int, Int, Int, Int, Double)
        if let t = try? UTCTime(derEncoded: node) {
            parts = (t.year, t.month, t.day, t.hours, t.minutes, Double(t.seconds))
        } else if let t = try? GeneralizedTime(derEncoded: node) {
            parts = (t.year, t.month, t.day, t.hours, t.minutes, Double(t.seconds) + t.fractionalSeconds)
        } else {
            return nil
        }
        let days = CivilDate.daysSinceEpoch(year: parts.0, month: parts.1, day: parts.2)
        return Double(days * 86_400 + parts.3 * 3600 + parts.4 * 60) + parts.5
    }

    static func text(_ name: GeneralName) -> String {
        switch name {
        case .dnsName(let s): "DNS:" + s
        case .ipAddress(let octets): "IP:" + address(Array(octets.bytes))
        case .uniformResourceIdentifier(let s): "URI:" + s
        case .rfc822Name(let s): "email:" + s
        default: "other:" + String(describing: name)
        }
    }

    /// An iPAddress SAN's octets in the report's address form (hex when neither 4 nor 16).
    static func address(_ b: [UInt8]) -> String {
        func word(_ at: Int) -> UInt64 { b[at..<at + 8].reduce(0) { $0 << 8 | UInt64($1) } }
        switch b.count {
        case 4: return IPAddress(v4: b.reduce(0) { $0 << 8 | UInt32($1) }).text
        case 16: return IPAddress(high: word(0), low: word(8)).text
        default: return b.map(JA4.hex8).joined()
        }
    }

    /// Expired at `time` (seconds since the epoch), or expiring within `expiryWarning` of it.
    func expired(at time: Double) -> Bool { error == nil && notAfter < time }
    func expiresSoon(at time: Double) -> Bool { error == nil && notAfter >= time && notAfter < time + Self.expiryWarning }
}

/// Days from 1970-01-01 in the proleptic Gregorian calendar (H. Hinnant's days_from_civil).
enum CivilDate {
    static func daysSinceEpoch(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}
