@testable import Analyzer
import Dissectors
import Testing

/// The detector as DNSAnalysis drives it: names interned in a table, chains read as text.
struct Detector {
    var d = SearchPathDetector()
    var names = DNSNameTable()
    var chains: [SearchPathDetector.Chain: (count: Int, wasted: Int, lost: Int64)] { d.textChains(names) }

    mutating func answered(client: IPAddress, qname: String, queryTime: Int64, nxdomain: Bool) {
        let id = names.intern(qname)
        d.answered(client: client, qname: id, names: names, queryTime: queryTime, nxdomain: nxdomain)
    }
}

struct SearchPathDetectorTests {
    /// Names are lower-cased byte by byte when ASCII, by `String.lowercased()` otherwise:
    /// the same text either way (every ASCII byte, upper and lower case, escapes, and
    /// non-ASCII names, valid UTF-8 or not).
    @Test func lowercasedNamesEqualStringLowercased() {
        var g = SystemRandomNumberGenerator()
        var cases: [[UInt8]] = [
            Array(0...127), Array("KUBERNETES.Default.SVC.cluster.local".utf8),
            Array("Ünïcode.EXAMPLE".utf8), [0x41, 0xC3, 0x28, 0x5A], [0xFF, 0x42],
        ]
        for _ in 0..<500 {
            cases.append(
                (0..<Int.random(in: 0..<40, using: &g)).map { _ in
                    UInt8.random(in: 0...(Bool.random(using: &g) ? 0x7F : 0xFF), using: &g)
                })
        }
        for bytes in cases {
            #expect(SearchPathDetector.lowercased(bytes[...]) == String(decoding: bytes, as: UTF8.self).lowercased())
        }
    }

    @Test func basesUnderTheClusterDomain() {
        let d = SearchPathDetector(clusterDomain: "cluster.local.")
        #expect(
            d.bases("api.example.com.default.svc.cluster.local") == [
                "api.example.com.default", "api.example.com", "api.example.com.default.svc",
            ])
        #expect(
            d.bases("Kubernetes.Default.SVC.cluster.local") == ["kubernetes.default", "kubernetes", "kubernetes.default.svc"])
        #expect(d.bases("example.com").isEmpty)
        #expect(d.bases("cluster.local").isEmpty)
    }

    @Test func chainClosesOnTheResolvingName() {
        var d = Detector()
        d.answered(client: IPAddress(v4: 0x0A00_0001), qname: "db.default.svc.cluster.local", queryTime: 0, nxdomain: true)
        d.answered(client: IPAddress(v4: 0x0A00_0001), qname: "db.svc.cluster.local", queryTime: 1_000, nxdomain: true)
        d.answered(client: IPAddress(v4: 0x0A00_0001), qname: "db.cluster.local", queryTime: 2_000, nxdomain: true)
        d.answered(client: IPAddress(v4: 0x0A00_0001), qname: "db", queryTime: 3_000, nxdomain: false)
        let chain = SearchPathDetector.Chain(client: IPAddress(v4: 0x0A00_0001), base: "db", resolvedAs: "db")
        #expect(d.chains[chain]?.wasted == 3 && d.chains[chain]?.lost == 3_000)
    }

    /// An NXDOMAIN for an unrelated name, another client's attempts, and attempts older
    /// than the window are never counted.
    @Test func unrelatedAttemptsAreNotWaste() {
        var d = Detector()
        d.answered(client: IPAddress(v4: 0x0A00_0001), qname: "other.default.svc.cluster.local", queryTime: 0, nxdomain: true)
        d.answered(client: IPAddress(v4: 0x0A00_0002), qname: "db.default.svc.cluster.local", queryTime: 0, nxdomain: true)
        d.answered(client: IPAddress(v4: 0x0A00_0001), qname: "db.default.svc.cluster.local", queryTime: 0, nxdomain: true)
        d.answered(client: IPAddress(v4: 0x0A00_0001), qname: "db", queryTime: SearchPathDetector.window + 1, nxdomain: false)
        #expect(d.chains.isEmpty)
        d.answered(
            client: IPAddress(v4: 0x0A00_0001), qname: "db.default.svc.cluster.local", queryTime: 20_000_000_000, nxdomain: true)
        d.answered(client: IPAddress(v4: 0x0A00_0001), qname: "db", queryTime: 20_000_001_000, nxdomain: false)
        #expect(d.chains.values.map(\.wasted) == [1])
    }

    /// Attempts are first compared by 16-bit tags of their bases: a resolving name whose tag
    /// equals an attempt's base tag while the hashes differ is still no chain, and a real
    /// base among the client's unrelated attempts still is one. The attempt stays 32 bytes.
    @Test func baseTagsOnlyRuleOut() throws {
        #expect(MemoryLayout<SearchPathDetector.Attempt>.stride == 32)
        // Two bare names whose hashes share the low 16 bits (found by search; FNV-1a).
        var byTag: [UInt16: String] = [:]
        var pair: (String, String)?
        for n in 0..<1_000_000 where pair == nil {
            let name = "n\(n)"
            let h = SearchPathDetector.hash(Array(name.utf8)[...])
            if let other = byTag[UInt16(truncatingIfNeeded: h)] { pair = (other, name) }
            byTag[UInt16(truncatingIfNeeded: h)] = name
        }
        let (a, b) = try #require(pair)
        #expect(SearchPathDetector.hash(Array(a.utf8)[...]) != SearchPathDetector.hash(Array(b.utf8)[...]))
        var d = Detector()
        for k in 0..<30 {  // unrelated attempts of the same client, as on a busy node
            d.answered(client: Self.client, qname: "x\(k).default.svc.cluster.local", queryTime: 0, nxdomain: true)
        }
        d.answered(client: Self.client, qname: "\(a).default.svc.cluster.local", queryTime: 1_000, nxdomain: true)
        d.answered(client: Self.client, qname: b, queryTime: 2_000, nxdomain: false)
        #expect(d.chains.isEmpty)  // tags equal, bases not
        d.answered(client: Self.client, qname: a, queryTime: 3_000, nxdomain: false)
        let chain = SearchPathDetector.Chain(client: Self.client, base: a, resolvedAs: a)
        #expect(d.chains.count == 1 && d.chains[chain]?.wasted == 1 && d.chains[chain]?.lost == 2_000)
    }

    static let client = IPAddress(v4: 0x0A00_0001)

    static func run(_ steps: [(String, Bool)]) -> Detector {
        var d = Detector()
        for (i, (name, nx)) in steps.enumerated() {
            d.answered(client: client, qname: name, queryTime: Int64(i) * 1_000, nxdomain: nx)
        }
        return d
    }

    /// The node's search domain after the cluster suffixes: its NXDOMAIN is waste too.
    @Test func hostSearchDomainAfterTheClusterSuffixes() {
        let d = Self.run([
            ("example.com.default.svc.cluster.local", true), ("example.com.svc.cluster.local", true),
            ("example.com.cluster.local", true), ("example.com.us-east-1.compute.internal", true),
            ("example.com", false),
        ])
        let chain = SearchPathDetector.Chain(client: Self.client, base: "example.com", resolvedAs: "example.com")
        #expect(d.chains[chain]?.wasted == 4 && d.chains[chain]?.lost == 4_000)
    }

    /// A short name resolved by a host search domain: the chain closes on `db.corp.example`,
    /// and an earlier host domain's NXDOMAIN counts.
    @Test func resolvedThroughAHostSearchDomain() {
        let d = Self.run([
            ("db.default.svc.cluster.local", true), ("db.svc.cluster.local", true), ("db.cluster.local", true),
            ("db.lab.corp.example", true), ("db.corp.example", false),
        ])
        let chain = SearchPathDetector.Chain(client: Self.client, base: "db", resolvedAs: "db.corp.example")
        #expect(d.chains.count == 1)
        #expect(d.chains[chain]?.wasted == 4 && d.chains[chain]?.lost == 4_000)
    }

    /// Without cluster expansions, NXDOMAIN then a shorter name is not a search-path chain.
    @Test func hostDomainAloneIsNotAChain() {
        let d = Self.run([("foo.bar.com", true), ("foo.bar", false), ("x.corp.example", true), ("x", false)])
        #expect(d.chains.isEmpty)
        #expect(SearchPathDetector.labelPrefixLengths(Array("a.b\\.c.d".utf8)) == [6, 1])
    }
}

extension SearchPathDetectorTests {
    /// Names the resolver sent in mixed case are one chain in the report (lower case).
    @Test func caseVariantsMergeInTheReport() {
        let d = Self.run([
            ("db.default.svc.cluster.local", true), ("DB", false),
            ("dB.default.svc.cluster.local", true), ("db", false),
        ])
        let chain = SearchPathDetector.Chain(client: Self.client, base: "db", resolvedAs: "db")
        #expect(d.d.chains.count == 2)
        #expect(d.chains.count == 1 && d.chains[chain]?.count == 2 && d.chains[chain]?.wasted == 2)
    }
}
