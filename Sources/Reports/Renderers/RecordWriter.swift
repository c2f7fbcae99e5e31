import Foundation

/// Writes NDJSON records as the pass finishes them (`RecordLine`, one compact JSON object a
/// line, keys sorted), in parts of about `chunk` bytes: every record is written, none is
/// kept, so memory does not grow with the capture. Any thread (a lock orders the lines);
/// the report runs its analyses on one thread when it writes records, so their order is
/// the pass's and the same on every run.
public final class RecordWriter: @unchecked Sendable {
    private let lock = NSLock()
    private let emit: (String) -> Void
    private var buffer = ""
    private let encoder: JSONEncoder
    /// Lines written, by record kind.
    public private(set) var counts: [String: Int] = [:]
    static let chunk = 1 << 20

    /// `emit` gets the text in parts (each ends with a newline).
    public init(emit: @escaping (String) -> Void) {
        self.emit = emit
        encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    }

    public func write<Row: Encodable>(_ line: RecordLine<Row>) {
        guard let data = try? encoder.encode(line) else { return }
        lock.lock()
        defer { lock.unlock() }
        buffer += String(decoding: data, as: UTF8.self)
        buffer += "\n"
        counts[line.record, default: 0] += 1
        if buffer.utf8.count >= Self.chunk {
            emit(buffer)
            buffer = ""
        }
    }

    /// What is still buffered, written.
    public func flush() {
        lock.lock()
        defer { lock.unlock() }
        if !buffer.isEmpty { emit(buffer) }
        buffer = ""
    }
}
