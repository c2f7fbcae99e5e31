/// One record from the kernel programs (`bpf/loupe_events.bpf.c`, whose header comment gives
/// the 96-byte layout this reads). Times are the kernel's CLOCK_MONOTONIC; the agent converts.
public struct KernelEventRecord: Sendable, Equatable {
    public enum Kind: UInt8, Sendable { case retransmit = 1, state = 2, drop = 3 }
    public var kind: Kind
    public var monotonicNanoseconds: UInt64
    public var cgroup: UInt64
    public var netns: UInt32
    public var sequence: UInt32
    public var smoothedRTTMicroseconds: UInt32
    public var dropReason: UInt32
    public var bytes: UInt32
    /// 2 (IPv4) or 10 (IPv6); 0 when a dropped packet's addresses could not be read.
    public var family: UInt16
    public var sourcePort: UInt16
    public var destinationPort: UInt16
    public var oldState: UInt8
    public var newState: UInt8
    public var ipProtocol: UInt8
    /// 4 bytes for IPv4, 16 for IPv6, none when unknown.
    public var source: [UInt8]
    public var destination: [UInt8]

    public static let size = 96

    /// Decodes one ring-buffer record; nil when it is too short or of an unknown kind (a
    /// record from a newer program layout is skipped rather than misread).
    public init?(_ raw: UnsafeRawBufferPointer) {
        guard raw.count >= Self.size, let kind = Kind(rawValue: raw[42]) else { return nil }
        func u64(_ o: Int) -> UInt64 { UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: o, as: UInt64.self)) }
        func u32(_ o: Int) -> UInt32 { UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: o, as: UInt32.self)) }
        func u16(_ o: Int) -> UInt16 { UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: o, as: UInt16.self)) }
        self.kind = kind
        monotonicNanoseconds = u64(0)
        cgroup = u64(8)
        netns = u32(16)
        sequence = u32(20)
        smoothedRTTMicroseconds = u32(24)
        dropReason = u32(28)
        bytes = u32(32)
        family = u16(36)
        sourcePort = u16(38)
        destinationPort = u16(40)
        oldState = raw[43]
        newState = raw[44]
        ipProtocol = raw[45]
        let length = family == 2 ? 4 : family == 10 ? 16 : 0
        source = Array(raw[48..<(48 + length)])
        destination = Array(raw[64..<(64 + length)])
    }
}
