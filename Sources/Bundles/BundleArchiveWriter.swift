import CZstd
import CaptureFormats
import Foundation

/// Packs a bundle directory into one `.tar.zst` (ustar members, zstd-compressed as a single
/// stream), the archive form `BundleArchive` reads. Written to `<path>.partial` and renamed
/// when complete, so a reader never sees half an archive.
public enum BundleArchiveWriter {
    public static func pack(directory: String, into path: String) throws(CaptureOpenError) {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { !$0.hasPrefix(".") }
            .sorted()
        var tar: [UInt8] = []
        for name in names {
            guard let data = FileManager.default.contents(atPath: directory + "/" + name) else {
                throw CaptureOpenError(path: directory + "/" + name, "cannot read for the archive")
            }
            tar += header(name: name, size: data.count)
            tar += data
            tar += [UInt8](repeating: 0, count: (512 - data.count % 512) % 512)
        }
        tar += [UInt8](repeating: 0, count: 1024)  // end of archive
        let bound = ZSTD_compressBound(tar.count)
        var out = [UInt8](repeating: 0, count: bound)
        let written = out.withUnsafeMutableBytes { o in
            tar.withUnsafeBytes { i in ZSTD_compress(o.baseAddress, bound, i.baseAddress, i.count, 9) }
        }
        guard ZSTD_isError(written) == 0 else { throw CaptureOpenError(path: path, "zstd compression failed") }
        let partial = path + ".partial"
        guard
            FileManager.default.createFile(
                atPath: partial, contents: Data(out.prefix(written)),
                attributes: [.posixPermissions: 0o640])
        else {
            throw CaptureOpenError(path: path, "cannot write")
        }
        try? FileManager.default.removeItem(atPath: path)
        guard (try? FileManager.default.moveItem(atPath: partial, toPath: path)) != nil else {
            throw CaptureOpenError(path: path, "cannot rename \(partial)")
        }
    }

    /// A ustar header for a regular file (mode 0640, owner 0, the name within 100 bytes).
    static func header(name: String, size: Int) -> [UInt8] {
        var h = [UInt8](repeating: 0, count: 512)
        func put(_ text: String, at offset: Int, width: Int) {
            for (i, b) in text.utf8.prefix(width).enumerated() { h[offset + i] = b }
        }
        func octal(_ v: Int, at offset: Int, width: Int) {
            let text = String(v, radix: 8)
            put(String(repeating: "0", count: max(0, width - 1 - text.count)) + text, at: offset, width: width - 1)
        }
        put(name, at: 0, width: 100)
        octal(0o640, at: 100, width: 8)
        octal(0, at: 108, width: 8)
        octal(0, at: 116, width: 8)
        octal(size, at: 124, width: 12)
        octal(Int(Date().timeIntervalSince1970), at: 136, width: 12)
        h[156] = UInt8(ascii: "0")
        put("ustar", at: 257, width: 6)
        put("00", at: 263, width: 2)
        for i in 148..<156 { h[i] = 0x20 }  // checksum counted as spaces
        let sum = h.reduce(0) { $0 + Int($1) }
        octal(sum, at: 148, width: 7)
        h[155] = 0x20
        return h
    }
}
