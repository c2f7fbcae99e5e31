import CaptureFormats
import Foundation

/// The pcapng files of one recording: `capture.pcapng`, or with rotation a ring
/// `capture-00001.pcapng`, `capture-00002.pcapng`, ... of at most `rotateFiles` files of at most
/// `rotateSize` bytes each (the oldest deleted as a new one starts), so the recording never
/// holds more than rotateSize x rotateFiles bytes. Every file starts with the section header
/// and interface blocks and ends with an interface statistics block per interface counting
/// that file's period. Blocks are whole before they are written, so each file is valid at
/// every moment; a write that fails (a full disk) cuts the file back to its last whole block.
final class CaptureFiles {
    struct Limits {
        var rotateSize: Int?
        var rotateFiles: Int?
        /// Bytes written to capture files in all, across rotations.
        var totalBytes: Int?
        /// Write `.pcapng.zst` (one zstd frame per file, flushed with every write).
        var compress = false
    }

    let directory: String
    let limits: Limits
    private let header: [UInt8]
    private let interfaceCount: Int
    var writer = PcapngWriter()
    /// The interface the packets being added arrived on (set before each libpcap dispatch).
    var interface: UInt32 = 0
    private(set) var packets = 0
    /// Packets in files written out (those lost to a failed write not counted).
    private(set) var packetsWritten = 0
    private var packetsPending = 0
    private(set) var totalWritten = 0
    /// Every file made (the ring's oldest are deleted, `kept` says which remain).
    private(set) var kept: [String] = []
    private(set) var deleted: [String] = []
    private var sequence = 0
    private var file: FileHandle?
    private var encoder: ZstdStreamEncoder?
    private var fileBytes = 0
    private var packetsInFile = 0
    private var fileStart: UInt64 = 0
    /// Why recording must stop: the byte limit (`limitReached`) or a failed write (`failure`).
    private(set) var limitReached = false
    private(set) var failure: String?
    /// Counts per interface from libpcap: cumulative since activation (received, dropped).
    private let statistics: () -> [(UInt64, UInt64)]
    private var countedAtFileStart: [(UInt64, UInt64)] = []

    /// Room kept at the end of a file for its statistics blocks (and, compressed, for zstd's
    /// block headers and the frame's end: a little more than the plain bytes at worst).
    private var trailer: Int { interfaceCount * 64 + (limits.compress ? 1024 : 0) }

    init(
        directory: String, header: [UInt8], interfaces: Int, limits: Limits,
        statistics: @escaping () -> [(UInt64, UInt64)]
    ) throws(CaptureAgentError) {
        self.statistics = statistics
        self.directory = directory
        self.header = header
        self.interfaceCount = interfaces
        self.limits = limits
        try open()
    }

    private var rotating: Bool { limits.rotateSize != nil || limits.rotateFiles != nil }

    private func open() throws(CaptureAgentError) {
        sequence += 1
        let name =
            (rotating ? String(format: "capture-%05d.pcapng", sequence) : "capture.pcapng") + (limits.compress ? ".zst" : "")
        let path = directory + "/" + name
        guard FileManager.default.createFile(atPath: path, contents: nil), let f = FileHandle(forWritingAtPath: path) else {
            throw CaptureAgentError("cannot write \(path)")
        }
        file = f
        if limits.compress {
            do { encoder = try ZstdStreamEncoder() } catch { throw CaptureAgentError("zstd: \(error.message)") }
        }
        kept.append(name)
        fileBytes = 0
        packetsInFile = 0
        fileStart = Self.now()
        // The first file counts from the interfaces' activation: what arrived before it was
        // opened is still in libpcap's buffer and goes into it.
        countedAtFileStart = sequence == 1 ? [] : statistics()
        writer.rawBytes(header)
        if let files = limits.rotateFiles, kept.count > files {
            let oldest = kept.removeFirst()
            try? FileManager.default.removeItem(atPath: directory + "/" + oldest)
            deleted.append(oldest)
        }
    }

    static func now() -> UInt64 {
        var t = timespec()
        clock_gettime(CLOCK_REALTIME, &t)
        return UInt64(t.tv_sec) &* 1_000_000_000 &+ UInt64(t.tv_nsec)
    }

    /// Adds one packet; false when it did not fit in the byte limit (recording should stop).
    func add(timestampUnits: UInt64, packet: UnsafeRawBufferPointer, originalLength: Int) -> Bool {
        guard failure == nil, !limitReached else { return false }
        let size = PcapngWriter.enhancedPacketSize(captured: packet.count)
        if let total = limits.totalBytes, totalWritten + writer.pendingCount + size + trailer > total {
            limitReached = true
            return false
        }
        if let perFile = limits.rotateSize, packetsInFile > 0, fileBytes + writer.pendingCount + size + trailer > perFile {
            guard rotate() else { return false }
        }
        writer.enhancedPacket(
            interface: interface, timestampUnits: timestampUnits, packet: packet,
            originalLength: originalLength)
        packets += 1
        packetsPending += 1
        packetsInFile += 1
        return true
    }

    /// Writes the pending blocks out.
    @discardableResult
    func flush() -> Bool {
        guard failure == nil, let file else { return false }
        let plain = writer.take()
        guard !plain.isEmpty else { return true }
        return write(encoder.map { $0.compress(plain) } ?? plain)
    }

    /// Writes bytes to the current file; a failure cuts it back to the last whole write.
    private func write(_ bytes: [UInt8]?) -> Bool {
        guard let file, let chunk = bytes else {
            failure = "zstd compression failed in \(directory)/\(kept.last ?? "")"
            return false
        }
        do {
            try file.write(contentsOf: chunk)
            fileBytes += chunk.count
            totalWritten += chunk.count
            packetsWritten += packetsPending
            packetsPending = 0
            return true
        } catch {
            try? file.truncate(atOffset: UInt64(fileBytes))
            failure =
                "writing \(directory)/\(kept.last ?? "") failed after \(fileBytes) bytes (\(error.localizedDescription)): the capture ends there"
            return false
        }
    }

    private func closeFile() {
        let counts = statistics()
        let end = Self.now()
        for i in 0..<interfaceCount {
            let now = i < counts.count ? counts[i] : (0, 0)
            let before = i < countedAtFileStart.count ? countedAtFileStart[i] : (0, 0)
            writer.statistics(
                interface: UInt32(i), timestampUnits: end, received: now.0 &- before.0,
                dropped: now.1 &- before.1, startUnits: fileStart)
        }
        flush()
        if failure == nil, let end = encoder?.finish() { _ = write(end) }
        encoder = nil
        try? file?.close()
        file = nil
    }

    private func rotate() -> Bool {
        closeFile()
        guard failure == nil else { return false }
        do { try open() } catch {
            failure = error.description
            return false
        }
        return true
    }

    /// Ends the last file with its statistics.
    func finish() {
        if failure == nil { closeFile() } else { try? file?.close() }
    }
}
