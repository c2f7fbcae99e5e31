// libbpf behind a Swift module of its own. `internal import` keeps libbpf's headers out of
// every client: they define `struct bpf_insn` differently from libpcap's, and Clang rejects
// both definitions meeting in one module (CaptureAgent also imports libpcap).
internal import CBPF

public enum LibBPF {
    /// libbpf's own version string, e.g. "v1.1".
    public static var version: String { String(cString: libbpf_version_string()) }
}
