// libbpf behind a Swift module of its own. `@_implementationOnly` keeps libbpf's headers out of
// every client: they define `struct bpf_insn` differently from libpcap's, and Clang rejects
// both definitions meeting in one module (CaptureAgent also imports libpcap). `internal
// import` is not enough: clients of a non-resilient module still load its dependencies.
// (The compiler warns about @_implementationOnly without library evolution; that hazard is
// public types storing values of the hidden types, and this module exposes none.)
@_implementationOnly import CBPF

public enum LibBPF {
    /// libbpf's own version string, e.g. "v1.1".
    public static var version: String { String(cString: libbpf_version_string()) }
}
