import Foundation

/// JSON with sorted keys and a final newline: the same report gives the same bytes.
/// `ReportJSONEncoder` writes what Foundation's `JSONEncoder` would with
/// `[.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]` and non-finite numbers as the
/// strings "inf", "-inf", "nan", several times faster.
public enum JSONRenderer {
    public static func render<T: Encodable>(_ value: T) -> String {
        do {
            return try ReportJSONEncoder.text(value)
        } catch {
            return "{\"error\": \"could not encode report\"}\n"
        }
    }

    /// A report: the same text. Its sections already written by the pass (`parts`: `tcp`, `dns`,
    /// `tls`, `apiServer` when nothing was to change them after) are spliced in; of the TLS and
    /// API-server sections (about half the text on a busy node), those not among them are
    /// written on a second thread while this one writes the rest.
    public static func render(_ report: Report, parts: JSONParts? = nil) -> String {
        var text: [UInt8] = []
        try? render(report, parts: parts) { text.append(contentsOf: $0) }
        return String(decoding: text, as: UTF8.self)
    }

    /// `render(_:parts:)`'s text handed to `emit` in pieces, in order, never whole in memory
    /// (see `ReportJSONEncoder.write`); only `emit`'s errors are thrown.
    public static func render(
        _ report: Report, parts: JSONParts?,
        emit: (UnsafeBufferPointer<UInt8>) throws -> Void
    ) throws {
        let ready = parts?.texts ?? [:]
        var apart: [(key: String, value: any Encodable & Sendable)] = []
        if ready["tls"] == nil { apart.append(("tls", report.tls)) }
        if ready["apiServer"] == nil { apart.append(("apiServer", report.apiServer)) }
        // An encoding error throws before the first piece is emitted; emit's own errors are
        // told apart by wrapping them.
        do {
            try ReportJSONEncoder.write(report, parts: ready, apart: apart) { piece in
                do { try emit(piece) } catch { throw EmitFailed(error: error) }
            }
        } catch let failed as EmitFailed {
            throw failed.error
        } catch {
            var text = "{\"error\": \"could not encode report\"}\n"
            try text.withUTF8 { try emit($0) }
        }
    }

    private struct EmitFailed: Error { var error: any Error }
}

/// Top-level members of a report's JSON written ahead, each by the thread that finished its
/// section while others were still at work (`ReportOptions.jsonParts`), for
/// `JSONRenderer.render(_:parts:)`. Each must be the very section the finished report holds.
public final class JSONParts: @unchecked Sendable {
    private let lock = NSLock()
    private var written: [String: JSONText] = [:]

    public init() {}

    /// Writes `value` as the report's top-level member `key` (any thread).
    public func write<T: Encodable>(_ key: String, _ value: T) {
        // On a failure the member is not kept, and the whole text writes it (and fails alike).
        guard let text = try? ReportJSONEncoder.member(value) else { return }
        lock.lock()
        written[key] = text
        lock.unlock()
    }

    /// The members written so far.
    public var keys: Set<String> { Set(texts.keys) }

    var texts: [String: JSONText] {
        lock.lock()
        defer { lock.unlock() }
        return written
    }
}
