import CaptureFormats
import Foundation

/// A capture bundle in a directory, or packed in an archive (`BundleArchive`; a Retina capture
/// tarball): every capture file in it, in name order, and its pod metadata, found by name.
/// Captures: `*.pcap`, `*.pcapng`, `*.cap` and rotated `*.pcap0` ..., each possibly `.gz` or
/// `.zst`. Metadata: `*.sidecar.json` (Loupe's sidecar) and `*.kubectl.json` or `pods.json`
/// (kubectl's List).
/// Kernel events: `events.jsonl` (the agent's, `KernelEventLog`).
public enum BundleDirectory {
    public struct Contents: Sendable, Equatable {
        public var captures: [String] = []
        public var metadata: [String] = []
        /// Kernel event files (`events.jsonl`, `*.events.jsonl`; `KernelEventLog`).
        public var events: [String] = []
        /// TLS key logs (`*.keylog`, `sslkeys.log`, `*.sslkeys.log`: NSS key log format).
        public var keyLogs: [String] = []
        /// Every bundle directory: the node each names is read once the metadata's node names
        /// are known (`BundleNode.node`).
        public var directories: [String] = []
        /// Archives unpacked to a temporary folder: (that folder, the archive as given).
        public var unpacked: [(folder: String, given: String)] = []

        /// A path inside an unpacked archive as the user knows it: the archive as given, then
        /// the path inside it (`retina.tar.gz/node/capture.pcap`), never the temporary folder.
        public func displayPath(_ path: String) -> String {
            for (folder, given) in unpacked where path.hasPrefix(folder) {
                let rest = path.dropFirst(folder.count).drop { $0 == "/" }
                return rest.isEmpty ? given : given + "/" + rest
            }
            return path
        }

        /// `text` with every temporary folder named as its archive.
        public func displayText(_ text: String) -> String {
            var out = text
            for (folder, given) in unpacked {
                out = out.replacingOccurrences(of: folder, with: given + (folder.hasSuffix("/") ? "/" : ""))
            }
            return out
        }

        public static func == (a: Contents, b: Contents) -> Bool {
            a.captures == b.captures && a.metadata == b.metadata && a.events == b.events && a.keyLogs == b.keyLogs
                && a.directories == b.directories
                && a.unpacked.map(\.folder) == b.unpacked.map(\.folder) && a.unpacked.map(\.given) == b.unpacked.map(\.given)
        }
    }

    static let captureSuffixes = [".pcap", ".pcapng", ".cap"]

    /// A capture file's name: `*.pcap`, `*.pcapng`, `*.cap`, or one of a rotation (Retina's
    /// `--file-count`: `<stem>.pcap0` ... `<stem>.pcapN`; tcpdump -C: `<name>.pcap1` ...),
    /// each possibly `.gz` or `.zst`.
    public static func isCapture(_ name: String) -> Bool {
        var bare = name.hasSuffix(".gz") ? String(name.dropLast(3)) : name.hasSuffix(".zst") ? String(name.dropLast(4)) : name
        while let last = bare.last, last.isASCII, last.isNumber { bare.removeLast() }
        return captureSuffixes.contains { bare.hasSuffix($0) }
    }

    /// Names in order, a rotation's numbers as numbers (`x.pcap2` before `x.pcap10`).
    static func ordered(_ names: [String]) -> [String] {
        func split(_ name: String) -> (String, Int) {
            let digits = name.reversed().prefix { $0.isASCII && $0.isNumber }
            guard !digits.isEmpty, digits.count < 18 else { return (name, -1) }
            return (String(name.dropLast(digits.count)), Int(String(digits.reversed())) ?? -1)
        }
        return names.sorted { split($0) < split($1) }
    }

    /// Whether a file of a bundle is a TLS key log.
    public static func isKeyLog(_ name: String) -> Bool {
        name.hasSuffix(".keylog") || name == "sslkeys.log" || name.hasSuffix(".sslkeys.log")
    }

    /// Whether a file of a bundle is pod metadata.
    public static func isMetadata(_ name: String) -> Bool {
        name.hasSuffix(".sidecar.json") || name.hasSuffix(".kubectl.json") || name == "pods.json"
    }

    /// The name a metadata file takes in a bundle (its own when a reader recognises it, else
    /// `pods.json`), so what a writer puts in is what `expand` finds.
    public static func metadataName(for path: String) -> String {
        let name = (path as NSString).lastPathComponent
        return isMetadata(name) ? name : "pods.json"
    }

    /// Inputs with every directory replaced by its contents (files stay as given). A
    /// directory without a capture is an error naming it.
    public static func expand(_ inputs: [String]) throws(CaptureOpenError) -> Contents {
        var out = Contents()
        for given in inputs {
            // An archive is unpacked first, then read like a directory.
            let input = BundleArchive.isArchive(given) ? try BundleArchive.unpack(given) : given
            if input != given { out.unpacked.append((input, given)) }
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: input, isDirectory: &isDirectory), isDirectory.boolValue else {
                out.captures.append(input)
                continue
            }
            let names = ordered((try? FileManager.default.contentsOfDirectory(atPath: input)) ?? [])
            let base = input.hasSuffix("/") ? input : input + "/"
            var found = 0
            for name in names where !name.hasPrefix(".") {
                if isCapture(name) {
                    out.captures.append(base + name)
                    found += 1
                } else if isMetadata(name) {
                    out.metadata.append(base + name)
                } else if name == "events.jsonl" || name.hasSuffix(".events.jsonl") {
                    out.events.append(base + name)
                } else if isKeyLog(name) {
                    out.keyLogs.append(base + name)
                }
            }
            out.directories.append(input)
            if found == 0 {
                throw CaptureOpenError(
                    path: input, "a directory without capture files (*.pcap, *.pcapng, *.cap, rotated *.pcap0 ...)")
            }
        }
        return out
    }
}
