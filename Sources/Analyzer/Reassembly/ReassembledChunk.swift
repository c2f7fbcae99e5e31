/// In-order stream bytes handed to a consumer (a DNS-over-TCP or TLS decoder).
///
/// `bytes` is valid only during the callback. Each chunk comes from one segment, so its
/// `time` is the capture time of the segment that carried these bytes; a consumer that
/// measures latency (a TLS handshake spread over several segments) takes the time of the
/// chunk that completes its message.
public struct ReassembledChunk {
    public var bytes: UnsafeRawBufferPointer
    /// Offset of the first byte in the stream (0 = the byte after the SYN, or the first
    /// byte seen when the capture starts mid-stream).
    public var streamOffset: UInt64
    /// Nanoseconds (the pass's clock) of the segment that carried these bytes.
    public var time: Int64
    /// Bytes missing right before this chunk: never hidden, a consumer must resynchronise.
    public var gapBefore: UInt64
}

/// Why a stream ended, told to consumers with the last chunk.
public enum StreamEndReason: Sendable, Equatable {
    case fin, reset, idle, evicted, endOfCapture
}

/// Bytes held for out-of-order segments across all streams, and what the bounds did.
public struct ReassemblyBudget: Sendable {
    /// Per direction (Zeek's default reassembly window is similar: data past it is a gap).
    public var perStreamLimit = 1 << 20
    /// Across every stream of the analysis that holds the budget (TLS; DNS over TCP has its
    /// own, smaller: `MemoryBudget`).
    public var totalLimit = MemoryBudget.streamBytes
    public private(set) var held = 0
    /// Times a limit forced buffered bytes out early (with a gap before them).
    public private(set) var limitHits = 0

    public init() {}

    mutating func take(_ n: Int) { held += n }
    mutating func give(_ n: Int) { held -= n }
    mutating func hit() { limitHits += 1 }
}
