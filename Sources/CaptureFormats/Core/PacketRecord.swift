/// One packet as a capture file stores it.
///
/// `data` points into the reader's buffer and is valid only until the reader's next
/// call: copy what must outlive it. This is what keeps reading free of per-packet
/// allocation (see shared/PERFORMANCE.md).
public struct PacketRecord {
    /// nil for records without one (pcapng Simple Packet Blocks).
    public var timestamp: Timestamp?
    /// The length of the packet on the wire (`orig_len`).
    public var originalLength: Int
    public var linkType: LinkType
    /// Index into the reader's `interfaces` (all sections of the file, in order).
    public var interface: Int
    /// Byte offset of the record in the capture stream, for error messages.
    public var offset: Int64
    /// The captured bytes (`caplen` of them).
    public var data: UnsafeRawBufferPointer

    public var capturedLength: Int { data.count }

    public init(
        timestamp: Timestamp?, originalLength: Int, linkType: LinkType, interface: Int,
        offset: Int64, data: UnsafeRawBufferPointer
    ) {
        self.timestamp = timestamp
        self.originalLength = originalLength
        self.linkType = linkType
        self.interface = interface
        self.offset = offset
        self.data = data
    }
}
