@testable import Analyzer
import Dissectors
import Testing

struct SearchPathDetectorTests {
    @Test func basesUnderTheClusterDomain() {
        let d = SearchPathDetector(clusterDomain: "cluster.local.")
        #expect(d.bases("api.example.com.default.svc.cluster.local") == ["api.example.com.default", "api.example.com", "api.example.com.default.svc"])
        #expect(d.bases("Kubernetes.Default.SVC.cluster.local") == ["kubernetes.default", "kubernetes", "kubernetes.default.svc"])
        #expect(d.bases("example.com").isEmpty)
        #expect(d.bases("cluster.local").isEmpty)
    }

    @Test func chainClosesOnTheResolvingName() {
        var d = SearchPathDetector()
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
        var d = SearchPathDetector()
        d.answered(client: IPAddress(v4: 0x0A00_0001), qname: "other.default.svc.cluster.local", queryTime: 0, nxdomain: true)
        d.answered(client: IPAddress(v4: 0x0A00_0002), qname: "db.default.svc.cluster.local", queryTime: 0, nxdomain: true)
        d.answered(client: IPAddress(v4: 0x0A00_0001), qname: "db.default.svc.cluster.local", queryTime: 0, nxdomain: true)
        d.answered(client: IPAddress(v4: 0x0A00_0001), qname: "db", queryTime: SearchPathDetector.window + 1, nxdomain: false)
        #expect(d.chains.isEmpty)
        d.answered(client: IPAddress(v4: 0x0A00_0001), qname: "db.default.svc.cluster.local", queryTime: 20_000_000_000, nxdomain: true)
        d.answered(client: IPAddress(v4: 0x0A00_0001), qname: "db", queryTime: 20_000_001_000, nxdomain: false)
        #expect(d.chains.values.map(\.wasted) == [1])
    }
}
