import Foundation

/// Writes a pcap of `count` TCP SYNs from pseudo-random client addresses and ports to one
/// server (10.96.0.10:443), 1 µs apart: the half-open flood a hostile client can produce.
/// Streams to disk in chunks, so a million packets (about 70 MB) never sit in memory.
public func writeSynFlood(count: Int, to path: String, seed: UInt64 = 7) throws {
    FileManager.default.createFile(atPath: path, contents: nil)
    let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
    defer { try? handle.close() }
    var chunk = Frames.pcapFile(records: [])
    var state = seed
    for i in 0..<count {
        state ^= state << 13; state ^= state >> 7; state ^= state << 17
        let client: [UInt8] = [10, 244, UInt8(truncatingIfNeeded: state >> 8), UInt8(truncatingIfNeeded: state >> 16)]
        let port = UInt16(truncatingIfNeeded: state >> 24) | 1024
        let frame = Frames.ethernet(
            type: 0x0800,
            Frames.ipv4(
                src: client, dst: [10, 96, 0, 10], proto: 6,
                Frames.tcp(sport: port, dport: 443, seq: UInt32(truncatingIfNeeded: state), flags: 0x02)))
        chunk += Frames.le32(UInt32(1_700_000_000 + i / 1_000_000)) + Frames.le32(UInt32(i % 1_000_000))
        chunk += Frames.le32(UInt32(frame.count)) + Frames.le32(UInt32(frame.count)) + frame
        if chunk.count > 1 << 20 {
            handle.write(Data(chunk))
            chunk.removeAll(keepingCapacity: true)
        }
    }
    handle.write(Data(chunk))
}
