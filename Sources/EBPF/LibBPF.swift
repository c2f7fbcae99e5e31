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

    /// The kernel's names for its drop reasons (`enum skb_drop_reason`, read from the running
    /// kernel's BTF, so they follow the kernel rather than a table compiled in), without the
    /// `SKB_DROP_REASON_` prefix. Empty when the kernel has no BTF.
    public static func dropReasonNames() -> [UInt32: String] {
        guard let btf = btf__load_vmlinux_btf() else { return [:] }
        defer { btf__free(btf) }
        let id = btf__find_by_name_kind(btf, "skb_drop_reason", UInt32(BTF_KIND_ENUM))
        guard id > 0, let type = btf__type_by_id(btf, UInt32(id)), let values = btf_enum(type) else { return [:] }
        var names: [UInt32: String] = [:]
        for i in 0..<Int(btf_vlen(type)) {
            guard let cName = btf__name_by_offset(btf, values[i].name_off) else { continue }
            var name = String(cString: cName)
            if name.hasPrefix("SKB_DROP_REASON_") { name.removeFirst("SKB_DROP_REASON_".count) }
            names[UInt32(bitPattern: values[i].val)] = name
        }
        return names
    }
}
