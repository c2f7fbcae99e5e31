import CZlib

/// Streams gzip (RFC 1952) through zlib, member after member.
///
/// `z_stream` lives on the heap because zlib keeps a pointer back to it
/// (`inflateStateCheck` fails if the struct moves).
final class GzipDecoder {
    private let file: FileDescriptor
    private let stream: UnsafeMutablePointer<z_stream>
    private let input: UnsafeMutableRawBufferPointer
    private var inputEOF = false
    /// True between members: end of input here is a clean end of file.
    private var atMemberEnd = false
    private var finished = false

    static let inputChunk = 256 * 1024

    init(file: FileDescriptor) throws(SourceFailure) {
        self.file = file
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        input = .allocate(byteCount: Self.inputChunk, alignment: 16)
        // 15 + 32: maximum window, and accept a gzip or zlib header.
        let rc = inflateInit2_(stream, 15 + 32, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard rc == Z_OK else { throw SourceFailure("zlib initialisation failed (\(rc))") }
    }

    deinit {
        inflateEnd(stream)
        stream.deallocate()
        input.deallocate()
    }

    /// Compressed bytes consumed so far.
    var compressedOffset: Int64 { file.offset - Int64(stream.pointee.avail_in) }

    func read(into out: UnsafeMutableRawBufferPointer) throws(SourceFailure) -> Int {
        guard !finished, let outBase = out.baseAddress else { return 0 }
        while true {
            if stream.pointee.avail_in == 0 && !inputEOF {
                let n = try file.read(into: input)
                if n == 0 { inputEOF = true }
                stream.pointee.next_in = input.baseAddress!.assumingMemoryBound(to: Bytef.self)
                stream.pointee.avail_in = uInt(n)
            }
            if stream.pointee.avail_in == 0 && inputEOF {
                if atMemberEnd { finished = true; return 0 }
                throw SourceFailure("gzip stream ends early, at compressed byte \(compressedOffset)")
            }
            if atMemberEnd {
                // Another member follows only if it starts with the gzip magic; anything
                // else (zero padding from some writers) ends the stream.
                let next = stream.pointee.next_in!
                if next[0] != 0x1f || (stream.pointee.avail_in > 1 && next[1] != 0x8b) {
                    finished = true
                    return 0
                }
                inflateReset(stream)
                atMemberEnd = false
            }
            stream.pointee.next_out = outBase.assumingMemoryBound(to: Bytef.self)
            stream.pointee.avail_out = uInt(out.count)
            let rc = inflate(stream, Z_NO_FLUSH)
            let produced = out.count - Int(stream.pointee.avail_out)
            switch rc {
            case Z_STREAM_END:
                atMemberEnd = true
            case Z_OK, Z_BUF_ERROR:
                break
            default:
                let why = stream.pointee.msg.map { String(cString: $0) } ?? "error \(rc)"
                throw SourceFailure("gzip data damaged near compressed byte \(compressedOffset): \(why)")
            }
            if produced > 0 { return produced }
        }
    }
}
