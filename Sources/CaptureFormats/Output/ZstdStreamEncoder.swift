import CZstd

/// Compresses a stream of chunks into one zstd frame, for capture files written as they grow
/// (`.pcapng.zst`). Each `compress` ends with a flush, so what has been written so far
/// decompresses up to the last whole chunk even before the frame is finished; `finish` closes
/// the frame with its checksum.
public final class ZstdStreamEncoder {
    private let stream: OpaquePointer
    private var output: [UInt8]

    public init(level: Int32 = 3) throws(CaptureOpenError) {
        guard let s = ZSTD_createCStream() else { throw CaptureOpenError(path: "", "zstd initialisation failed") }
        stream = s
        ZSTD_CCtx_setParameter(stream, ZSTD_c_compressionLevel, level)
        ZSTD_CCtx_setParameter(stream, ZSTD_c_checksumFlag, 1)
        output = [UInt8](repeating: 0, count: Int(ZSTD_CStreamOutSize()))
    }

    deinit { ZSTD_freeCStream(stream) }

    /// The compressed bytes for `chunk`, flushed (nil: libzstd failed).
    public func compress(_ chunk: [UInt8]) -> [UInt8]? { run(chunk, ZSTD_e_flush) }

    /// The end of the frame.
    public func finish() -> [UInt8]? { run([], ZSTD_e_end) }

    private func run(_ chunk: [UInt8], _ mode: ZSTD_EndDirective) -> [UInt8]? {
        var out: [UInt8] = []
        let capacity = output.count
        let ok = chunk.withUnsafeBytes { raw -> Bool in
            var input = ZSTD_inBuffer(src: raw.baseAddress, size: raw.count, pos: 0)
            while true {
                let (remaining, produced) = output.withUnsafeMutableBytes { o -> (Int, Int) in
                    var buffer = ZSTD_outBuffer(dst: o.baseAddress, size: capacity, pos: 0)
                    let r = ZSTD_compressStream2(stream, &buffer, &input, mode)
                    return (r, buffer.pos)
                }
                if ZSTD_isError(remaining) != 0 { return false }
                out += output.prefix(produced)
                // Done when the input is consumed and libzstd has nothing left to flush.
                if remaining == 0 && input.pos == input.size { return true }
            }
        }
        return ok ? out : nil
    }
}
