#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An open file read with plain read(2) calls: no buffering of its own, so the
/// capture reader's one reused buffer is the only copy of the bytes in memory.
final class FileDescriptor {
    let fd: Int32
    /// Bytes handed out so far (the offset of the next read).
    private(set) var offset: Int64 = 0

    init(path: String) throws(CaptureOpenError) {
        let fd = path == "-" ? dup(0) : open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw CaptureOpenError(path: path, String(cString: strerror(errno))) }
        var st = stat()
        if fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR {
            close(fd)
            throw CaptureOpenError(path: path, "is a directory")
        }
        self.fd = fd
    }

    deinit { close(fd) }

    /// The first `count` bytes of the file (fewer if it is shorter), read without moving.
    func prefix(_ count: Int) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        let n = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress, count, 0) }
        return Array(bytes.prefix(max(0, n)))
    }

    /// Reads up to `buffer.count` bytes; 0 means end of file.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws(SourceFailure) -> Int {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return 0 }
        while true {
            let n = Glibc.read(fd, base, buffer.count)
            if n >= 0 {
                offset += Int64(n)
                return n
            }
            if errno == EINTR { continue }
            throw SourceFailure("read error after \(offset) bytes: \(String(cString: strerror(errno)))")
        }
    }
}

/// Why a byte source stopped early: an I/O error or a damaged compressed stream.
package struct SourceFailure: Error {
    package var message: String
    package init(_ message: String) { self.message = message }
}
