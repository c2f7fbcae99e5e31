import CaptureAgent
import Testing

struct CaptureInterfacesTests {
    /// Every Linux host has a loopback interface with 127.0.0.1; libpcap must report it.
    @Test func loopbackIsListed() throws {
        let devices = try CaptureInterfaces.list()
        let lo = try #require(devices.first { $0.name == "lo" })
        #expect(lo.isLoopback && lo.isUp)
        #expect(lo.addresses.contains("127.0.0.1"))
        #expect(devices.contains { $0.name == "any" }, "Linux libpcap offers the 'any' pseudo-interface")
    }
}

struct LibraryVersionsTests {
    @Test func versionsAreReported() {
        #expect(LibraryVersions.libpcap.hasPrefix("libpcap version 1."))
        #expect(LibraryVersions.libbpf.hasPrefix("v1."), "libbpf_version_string() reads like v1.1")
    }
}
