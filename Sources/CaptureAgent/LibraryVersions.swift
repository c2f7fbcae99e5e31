import CPcap
import EBPF

/// The versions of the C libraries the agent runs with (bug reports need them; eBPF
/// features depend on libbpf's).
public enum LibraryVersions {
    public static var libpcap: String { String(cString: pcap_lib_version()) }
    public static var libbpf: String { LibBPF.version }
}
