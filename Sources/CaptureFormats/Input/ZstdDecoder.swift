import CZstd

/// Streams zstd (RFC 8878) frames through libzstd.
final class ZstdDecoder {
    private let file: FileDescriptor
    private let stream: OpaquePointer
    private let input: UnsafeMutableRawBufferPointer
    private var inBuffer = ZSTD_inBuffer(src: nil, size: 0, pos: 0)
    private var inputEOF = false
    /// ZSTD_decompressStream's last hint: 0 once a frame is complete and flushed.
    private var frameOpen = false

    /// Largest window accepted: 2^27 = 128 MiB is libzstd's own default limit; bigger
    /// windows would let a small file claim more memory than Loupe's bound.
    static let windowLogMax: Int32 = 27

    init(file: FileDescriptor) throws(SourceFailure) {
        self.file = file
        guard let s = ZSTD_createDStream() else { throw SourceFailure("zstd initialisation failed") }
        stream = s
        input = .allocate(byteCount: Int(ZSTD_DStreamInSize()), alignment: 16)
        ZSTD_DCtx_setParameter(stream, ZSTD_d_windowLogMax, Self.windowLogMax)
    }

    deinit {
        ZSTD_freeDStream(stream)
        input.deallocate()
    }

    var compressedOffset: Int64 { file.offset - Int64(inBuffer.size - inBuffer.pos) }

    func read(into out: UnsafeMutableRawBufferPointer) throws(SourceFailure) -> Int {
        guard let outBase = out.baseAddress else { return 0 }
        var outBuffer = ZSTD_outBuffer(dst: outBase, size: out.count, pos: 0)
        while true {
            if inBuffer.pos == inBuffer.size && !inputEOF {
                let n = try file.read(into: input)
                if n == 0 { inputEOF = true }
                inBuffer = ZSTD_inBuffer(src: UnsafeRawPointer(input.baseAddress!), size: n, pos: 0)
            }
            if inBuffer.pos == inBuffer.size && inputEOF && !frameOpen { return outBuffer.pos }
            let before = outBuffer.pos
            let hint = ZSTD_decompressStream(stream, &outBuffer, &inBuffer)
            if ZSTD_isError(hint) != 0 {
                let why = String(cString: ZSTD_getErrorName(hint))
                throw SourceFailure("zstd data damaged near compressed byte \(compressedOffset): \(why)")
            }
            frameOpen = hint != 0
            if outBuffer.pos > 0 && (outBuffer.pos == outBuffer.size || outBuffer.pos == before) {
                return outBuffer.pos
            }
            if inBuffer.pos == inBuffer.size && inputEOF {
                if outBuffer.pos > 0 { return outBuffer.pos }
                if frameOpen {
                    throw SourceFailure("zstd stream ends early, at compressed byte \(compressedOffset)")
                }
                return 0
            }
        }
    }
}
