import SwiftASN1
import X509

/// A certificate name as RFC 4514-style text ("CN=example.com,O=Example,C=US", last RDN
/// first, as swift-certificates prints it), with the legacy string types that library
/// leaves as raw ASN.1 (T61String, BMPString, UniversalString: old CAs used them) decoded.
enum DistinguishedNameText {
    static func make(_ name: DistinguishedName) -> String {
        name.reversed().map { rdn in
            rdn.map { attribute in
                let printed = attribute.description
                guard String(attribute.value) == nil, let equals = printed.firstIndex(of: "="),
                    let text = legacyString(attribute.value)
                else { return printed }
                return printed[..<equals] + "=" + escaped(text)
            }.joined(separator: "+")
        }.joined(separator: ",")
    }

    /// The text of a T61String (read as Latin-1), BMPString (UTF-16) or UniversalString (UTF-32).
    static func legacyString(_ value: RelativeDistinguishedName.Attribute.Value) -> String? {
        var serializer = DER.Serializer()
        guard (try? serializer.serialize(ASN1Any(value))) != nil,
            let node = try? DER.parse(serializer.serializedBytes), case .primitive(let content) = node.content
        else { return nil }
        let bytes = Array(content)
        switch node.identifier.tagNumber {
        case 20: return String(bytes.map { Character(Unicode.Scalar($0)) })
        case 30 where bytes.count % 2 == 0:
            let units = stride(from: 0, to: bytes.count, by: 2).map { UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]) }
            return String(decoding: units, as: UTF16.self)
        case 28 where bytes.count % 4 == 0:
            let scalars = stride(from: 0, to: bytes.count, by: 4).compactMap { i in
                Unicode.Scalar(bytes[i..<i + 4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
            }
            return String(String.UnicodeScalarView(scalars))
        default: return nil
        }
    }

    /// RFC 4514 2.4's special characters behind a backslash; control characters as \XX.
    static func escaped(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            if ",+\"\\<>;".unicodeScalars.contains(scalar) {
                out += "\\" + String(scalar)
            } else if scalar.value < 0x20 || scalar.value == 0x7F {
                let h = String(scalar.value, radix: 16, uppercase: true)
                out += "\\" + (h.count < 2 ? "0" + h : h)
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
