import CaptureFormats
import Foundation

/// A bundle packed as one archive (`.tar`, `.tar.gz`/`.tgz`, `.tar.zst`): a Retina capture
/// tarball, or what `loupe-agent` will write. Its regular files are unpacked (ustar, with GNU
/// long names and pax paths) into a directory of this process's, removed at exit, which is then
/// read as a directory bundle. Member paths that are absolute or climb out with `..` are
/// refused; sizes and counts are bounded.
public enum BundleArchive {
    static let suffixes = [".tar", ".tar.gz", ".tgz", ".tar.zst"]
    static let maximumFiles = 10_000
    static let maximumBytes: Int64 = 32 << 30
    /// Long names and pax headers are read whole: they are small or hostile.
    static let maximumHeaderBytes = 1 << 20

    public static func isArchive(_ path: String) -> Bool { suffixes.contains { path.hasSuffix($0) } }

    static let root: String = {
        let dir = NSTemporaryDirectory() + "loupe-bundles-\(getpid())/"
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(atPath: NSTemporaryDirectory() + "loupe-bundles-\(getpid())") }
        return dir
    }()

    /// Unpacks the archive; returns the directory to read (its only top-level folder when it
    /// has one and no capture beside it, as in Retina's layout).
    public static func unpack(_ path: String) throws(CaptureOpenError) -> String {
        let source = try ByteSource(path: path)
        let name = (path as NSString).lastPathComponent
        let target = root + name + "/"
        try? FileManager.default.removeItem(atPath: target)
        try? FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
        var reader = Reader(source: source, path: path)
        var files = 0
        var total: Int64 = 0
        var longName: String?
        while true {
            guard let header = try reader.block() else { break }
            if header.allSatisfy({ $0 == 0 }) { break }  // end of archive
            let size = try Self.size(header, path: path, at: reader.offset - 512)
            let type = header[156]
            var memberName = longName ?? Self.name(header)
            longName = nil
            switch type {
            case UInt8(ascii: "L"), UInt8(ascii: "x"):  // GNU long name, pax header: for the next member
                guard size <= Self.maximumHeaderBytes else {
                    throw CaptureOpenError(path: path, "tar header at byte \(reader.offset - 512) claims \(size) bytes of names")
                }
                let content = try reader.bytes(size)
                longName =
                    type == UInt8(ascii: "L")
                    ? String(decoding: content.prefix { $0 != 0 }, as: UTF8.self)
                    : Self.paxPath(content)
                continue
            case 0, UInt8(ascii: "0"), UInt8(ascii: "7"): break
            default:  // directories, links, devices, global headers: nothing to unpack
                try reader.skip(size)
                continue
            }
            memberName = memberName.split(separator: "/").filter { $0 != "." }.joined(separator: "/")
            guard !memberName.isEmpty, !memberName.hasPrefix("/"), !memberName.split(separator: "/").contains("..") else {
                throw CaptureOpenError(path: path, "archive member \"\(memberName)\" would leave the bundle: refused")
            }
            files += 1
            total += Int64(size)
            guard files <= maximumFiles, total <= maximumBytes else {
                throw CaptureOpenError(path: path, "archive holds more than \(maximumFiles) files or \(maximumBytes >> 30) GiB")
            }
            let out = target + memberName
            try? FileManager.default.createDirectory(
                atPath: (out as NSString).deletingLastPathComponent,
                withIntermediateDirectories: true)
            guard FileManager.default.createFile(atPath: out, contents: nil), let handle = FileHandle(forWritingAtPath: out)
            else {
                throw CaptureOpenError(path: path, "cannot unpack \(memberName)")
            }
            // Streamed in pieces: a member's claimed size is never allocated at once.
            defer { try? handle.close() }
            try reader.copy(size) { piece throws(CaptureOpenError) in
                do { try handle.write(contentsOf: piece) } catch {
                    throw CaptureOpenError(path: path, "cannot unpack \(memberName): \(error.localizedDescription)")
                }
            }
        }
        // Retina's tarball holds one folder named like the archive.
        let top = ((try? FileManager.default.contentsOfDirectory(atPath: target)) ?? []).filter { !$0.hasPrefix(".") }
        var isDirectory: ObjCBool = false
        if top.count == 1, FileManager.default.fileExists(atPath: target + top[0], isDirectory: &isDirectory),
            isDirectory.boolValue
        {
            return target + top[0]
        }
        return target
    }

    static func name(_ h: [UInt8]) -> String {
        let base = String(decoding: h[0..<100].prefix { $0 != 0 }, as: UTF8.self)
        let magic = String(decoding: h[257..<262], as: UTF8.self)
        guard magic == "ustar" else { return base }
        let prefix = String(decoding: h[345..<500].prefix { $0 != 0 }, as: UTF8.self)
        return prefix.isEmpty ? base : prefix + "/" + base
    }

    /// Octal, or base-256 when the first byte's high bit is set (GNU, for sizes past 8 GiB).
    static func size(_ h: [UInt8], path: String, at offset: Int64) throws(CaptureOpenError) -> Int {
        let field = h[124..<136]
        if field.first! & 0x80 != 0 {
            var v: Int64 = 0
            for b in field.dropFirst() {
                guard v < Int64.max >> 8 else {
                    throw CaptureOpenError(path: path, "tar header at byte \(offset): size too large")
                }
                v = v << 8 | Int64(b)
            }
            guard v <= maximumBytes else { throw CaptureOpenError(path: path, "tar member at byte \(offset) claims \(v) bytes") }
            return Int(v)
        }
        let text = String(decoding: field.prefix { $0 != 0 && $0 != 0x20 }, as: UTF8.self)
        guard let v = Int64(text.isEmpty ? "0" : text, radix: 8), v >= 0, v <= maximumBytes else {
            throw CaptureOpenError(path: path, "tar header at byte \(offset): bad size \"\(text)\"")
        }
        return Int(v)
    }

    /// The `path=` record of a pax header ("LEN path=VALUE\n").
    static func paxPath(_ content: [UInt8]) -> String? {
        for record in String(decoding: content, as: UTF8.self).split(separator: "\n") {
            guard let space = record.firstIndex(of: " ") else { continue }
            let kv = record[record.index(after: space)...]
            if kv.hasPrefix("path=") { return String(kv.dropFirst(5)) }
        }
        return nil
    }

    /// Reads the decompressed archive in 512-byte blocks.
    struct Reader {
        let source: ByteSource
        let path: String
        private(set) var offset: Int64 = 0

        init(source: ByteSource, path: String) {
            self.source = source
            self.path = path
        }

        /// Exactly `n` bytes, or fewer at the end of the stream.
        mutating func read(_ n: Int) throws(CaptureOpenError) -> [UInt8] {
            var out = [UInt8](repeating: 0, count: n)
            var got = 0
            while got < n {
                var r = 0
                var failure: String?
                out.withUnsafeMutableBytes { buf in
                    do throws(SourceFailure) {
                        r = try source.read(into: UnsafeMutableRawBufferPointer(rebasing: buf[got...]))
                    } catch {
                        failure = error.message
                    }
                }
                if let failure {
                    throw CaptureOpenError(path: path, "archive unreadable at byte \(offset + Int64(got)): \(failure)")
                }
                if r == 0 { break }
                got += r
            }
            offset += Int64(got)
            return got == n ? out : Array(out.prefix(got))
        }

        mutating func block() throws(CaptureOpenError) -> [UInt8]? {
            let b = try read(512)
            if b.isEmpty { return nil }
            guard b.count == 512 else { throw CaptureOpenError(path: path, "archive cut short at byte \(offset)") }
            return b
        }

        /// A member's content handed over in pieces of at most 1 MiB, then the padding.
        mutating func copy(_ size: Int, _ body: ([UInt8]) throws(CaptureOpenError) -> Void) throws(CaptureOpenError) {
            var left = size
            while left > 0 {
                let piece = try read(min(left, 1 << 20))
                guard !piece.isEmpty else { throw CaptureOpenError(path: path, "archive member cut short at byte \(offset)") }
                try body(piece)
                left -= piece.count
            }
            let pad = (512 - size % 512) % 512
            if pad > 0 { _ = try read(pad) }
        }

        mutating func skip(_ size: Int) throws(CaptureOpenError) { try copy(size) { _ in } }

        /// A member's content (callers bound `size` first), and the padding to the next block.
        mutating func bytes(_ size: Int) throws(CaptureOpenError) -> [UInt8] {
            var content: [UInt8] = []
            try copy(size) { piece throws(CaptureOpenError) in content += piece }
            return content
        }
    }
}
