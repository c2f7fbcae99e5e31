@testable import Analyzer
import Dissectors
import Testing

/// What an address can belong to, and the names the report's `notPodTraffic` keys use.
struct AddressScopeTests {
    @Test(arguments: [
        ("10.244.1.7", "unicast"), ("169.254.169.254", "linkLocal"), ("224.0.0.251", "multicast"),
        ("255.255.255.255", "broadcast"), ("127.0.0.1", "loopback"), ("0.0.0.0", "unspecified"),
        ("fd00::1", "unicast"), ("fe80::1", "linkLocal"), ("ff02::1:ff00:1", "multicast"), ("::1", "loopback"),
        ("::", "unspecified"),
    ])
    func scopes(_ text: String, _ name: String) throws {
        let address = try #require(PodDirectory.address(text))
        #expect(AddressScope(address).name == name)
    }

    @Test func flowScopeIsTheMoreTellingEnd() throws {
        let ll = try #require(PodDirectory.address("fe80::1")), mc = try #require(PodDirectory.address("ff02::2"))
        let pod = try #require(PodDirectory.address("10.244.0.5"))
        #expect(AddressScope.of(ll, mc) == .multicast)
        #expect(AddressScope.of(ll, pod) == .unicast)
        #expect(TCPResetKind.afterClose.name == "afterClose" && TCPResetKind.abortedByServer.name == "abortedByServer")
    }
}
