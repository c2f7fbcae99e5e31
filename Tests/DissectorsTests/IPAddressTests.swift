import Dissectors
import Testing

struct IPAddressTests {
    static func v6(_ groups: [UInt16]) -> IPAddress {
        var high: UInt64 = 0, low: UInt64 = 0
        for (i, g) in groups.enumerated() {
            if i < 4 { high |= UInt64(g) << UInt64(48 - 16 * i) } else { low |= UInt64(g) << UInt64(48 - 16 * (i - 4)) }
        }
        return IPAddress(high: high, low: low)
    }

    /// RFC 5952: lower case, the longest run of two or more zero groups as "::" (the first
    /// of equal runs), a single zero group written out.
    @Test(
        arguments: [
            ([0, 0, 0, 0, 0, 0, 0, 1], "::1"),
            ([0, 0, 0, 0, 0, 0, 0, 0], "::"),
            ([0xfe80, 0, 0, 0, 0, 0, 0, 1], "fe80::1"),
            ([1, 0, 0, 0, 0, 0, 0, 0], "1::"),
            ([0x2001, 0xdb8, 0, 1, 0, 0, 0, 1], "2001:db8:0:1::1"),
            ([0x2001, 0xdb8, 0, 0, 1, 0, 0, 1], "2001:db8::1:0:0:1"),
            ([0x2001, 0xdb8, 1, 1, 1, 1, 0, 1], "2001:db8:1:1:1:1:0:1"),
            ([0x2404, 0x6800, 0x8004, 0, 0, 0, 0, 0x68], "2404:6800:8004::68"),
        ] as [([UInt16], String)])
    func rfc5952(_ groups: [UInt16], _ text: String) {
        #expect(Self.v6(groups).text == text)
    }

    @Test func ipv4() {
        let a = IPAddress(v4: 0x0A00_0001)
        #expect(a.isV4 && a.text == "10.0.0.1" && a.endpoint(port: 53) == "10.0.0.1:53")
        #expect(IPAddress(v4: 1) < IPAddress(v4: 2))
    }

    @Test func layerPathPacksAndUnpacks() {
        var p = LayerPath()
        let all = Array(LayerID.allCases.prefix(15))
        for l in all { p.append(l) }
        p.append(.data)  // past capacity: ignored
        #expect(p.layers == all)
        p.removeLast()
        #expect(p.layers == Array(all.dropLast()))
        #expect(p.contains(.ethernet) && !p.contains(all.last!))
    }
}
