/// The decompressed bytes of one capture file, whatever its compression.
/// Called once per buffer refill, never per packet, so the switch costs nothing.
package final class ByteSource {
    package let compression: Compression
    private let file: FileDescriptor
    private let gzip: GzipDecoder?
    private let zstd: ZstdDecoder?

    package init(path: String) throws(CaptureOpenError) {
        let file = try FileDescriptor(path: path)
        let sniffed = Compression.sniff(file.prefix(4))
        self.file = file
        self.compression = path == "-" ? .none : sniffed
        do {
            switch compression {
            case .none: gzip = nil; zstd = nil
            case .gzip: gzip = try GzipDecoder(file: file); zstd = nil
            case .zstd: zstd = try ZstdDecoder(file: file); gzip = nil
            }
        } catch {
            throw CaptureOpenError(path: path, error.message)
        }
    }

    /// Offset in the file itself (compressed bytes for compressed input).
    package var fileOffset: Int64 {
        switch compression {
        case .none: file.offset
        case .gzip: gzip!.compressedOffset
        case .zstd: zstd!.compressedOffset
        }
    }

    package func read(into buffer: UnsafeMutableRawBufferPointer) throws(SourceFailure) -> Int {
        switch compression {
        case .none: try file.read(into: buffer)
        case .gzip: try gzip!.read(into: buffer)
        case .zstd: try zstd!.read(into: buffer)
        }
    }
}
