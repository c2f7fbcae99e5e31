@_implementationOnly import CBPF
import Foundation
import Glibc

/// The kernel programs loaded and attached, and the ring buffer they write to. Tracepoints
/// with BTF (`tp_btf`, no tracefs needed) are tried first; when the kernel refuses them the
/// raw tracepoint versions of the same programs are loaded instead. A tracepoint that cannot
/// be attached is listed in `unavailable` and the others still run.
public final class KernelProbe {
    /// The tracepoints attached, each with its style, e.g. "tcp_retransmit_skb (tp_btf)".
    public private(set) var attached: [String] = []
    /// What could not be attached, and why.
    public private(set) var unavailable: [String] = []

    private var object: OpaquePointer?
    private var links: [OpaquePointer] = []
    private var ring: OpaquePointer?
    private var lostMapFD: Int32 = -1
    private var handler: ((KernelEventRecord) -> Void)?

    static let tracepoints = [("retransmit", "tcp_retransmit_skb"), ("state", "inet_sock_set_state"), ("drop", "kfree_skb")]

    /// Loads and attaches the programs; nil (with the reasons) when none could be attached,
    /// e.g. without CAP_BPF and CAP_PERFMON.
    public static func open() -> (probe: KernelProbe?, unavailable: [String]) {
        _ = libbpf_set_print(nil)  // libbpf's own log would interleave with the agent's messages
        let probe = KernelProbe()
        var reasons: [String] = []
        attempts: for style in ["btf", "raw"] {
            for withResult in [true, false] where probe.load(style: style, retransmitResult: withResult, reasons: &reasons) {
                break attempts
            }
        }
        guard probe.object != nil, !probe.attached.isEmpty else {
            probe.close()
            return (nil, reasons.isEmpty ? ["the kernel programs did not load"] : reasons)
        }
        probe.unavailable = reasons
        return (probe, reasons)
    }

    private func load(style: String, retransmitResult: Bool, reasons: inout [String]) -> Bool {
        let bytes = Self.embeddedObject
        guard let obj = bytes.withUnsafeBytes({ bpf_object__open_mem($0.baseAddress, $0.count, nil) }) else {
            reasons.append("opening the BPF object: \(Self.error(errno))")
            return false
        }
        var program = bpf_object__next_program(obj, nil)
        while let p = program {
            let name = String(cString: bpf_program__name(p))
            let wanted =
                name.hasPrefix(style + "_") && (!name.contains("retransmit") || name.hasSuffix("_err") == retransmitResult)
            _ = bpf_program__set_autoload(p, wanted)
            program = bpf_object__next_program(obj, p)
        }
        let status = bpf_object__load(obj)
        guard status == 0 else {
            if !retransmitResult {
                reasons.append("loading the \(style == "btf" ? "tp_btf" : "raw_tp") programs: \(Self.error(-status))")
            }
            bpf_object__close(obj)
            return false
        }
        object = obj
        for (suffix, tracepoint) in Self.tracepoints {
            let name = style + "_" + suffix + (suffix == "retransmit" && retransmitResult ? "_err" : "")
            guard let p = bpf_object__find_program_by_name(obj, name) else { continue }
            if let link = bpf_program__attach(p) {
                links.append(link)
                attached.append("\(tracepoint) (\(style == "btf" ? "tp_btf" : "raw_tp"))")
            } else {
                reasons.append("attaching \(tracepoint): \(Self.error(errno))")
            }
        }
        if let lost = bpf_object__find_map_by_name(obj, "lost") { lostMapFD = bpf_map__fd(lost) }
        return true
    }

    /// Starts delivering records to `handler` (from `drain()` only, on the caller's thread).
    public func start(_ handler: @escaping (KernelEventRecord) -> Void) -> Bool {
        guard let obj = object, let map = bpf_object__find_map_by_name(obj, "events") else { return false }
        self.handler = handler
        let context = Unmanaged.passUnretained(self).toOpaque()
        ring = ring_buffer__new(
            bpf_map__fd(map),
            { context, data, size in
                guard let context, let data else { return 0 }
                let probe = Unmanaged<KernelProbe>.fromOpaque(context).takeUnretainedValue()
                if let record = KernelEventRecord(UnsafeRawBufferPointer(start: data, count: size)) { probe.handler?(record) }
                return 0
            }, context, nil)
        return ring != nil
    }

    /// A descriptor that polls readable when records wait (for the recorder's poll set).
    public var pollDescriptor: Int32 { ring.map { ring_buffer__epoll_fd($0) } ?? -1 }

    /// Hands every waiting record to the handler; returns how many.
    @discardableResult
    public func drain() -> Int { ring.map { Int(max(0, ring_buffer__consume($0))) } ?? 0 }

    /// Records the kernel could not queue because the ring buffer was full (all CPUs).
    public var lost: UInt64 {
        guard lostMapFD >= 0 else { return 0 }
        let cpus = max(1, Int(libbpf_num_possible_cpus()))
        var values = [UInt64](repeating: 0, count: cpus)
        var key: UInt32 = 0
        guard bpf_map_lookup_elem(lostMapFD, &key, &values) == 0 else { return 0 }
        return values.reduce(0, &+)
    }

    public func close() {
        if let r = ring { ring_buffer__free(r) }
        ring = nil
        for l in links { _ = bpf_link__destroy(l) }
        links = []
        if let o = object { bpf_object__close(o) }
        object = nil
    }

    deinit { close() }

    private static func error(_ code: Int32) -> String {
        let c = abs(code)
        let hint = c == EPERM || c == EACCES ? " (needs root, or CAP_BPF with CAP_PERFMON)" : ""
        return String(cString: strerror(c)) + hint
    }

    /// The object the EmbedBPF plugin compiled and embedded, decoded once for every attempt.
    private static let embeddedObject = Data(base64Encoded: loupeEventsObjectBase64) ?? Data()
}
