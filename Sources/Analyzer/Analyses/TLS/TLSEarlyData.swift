import Dissectors

/// TLS 1.3 0-RTT data a client sent with keys logged for it: held until the server's
/// EncryptedExtensions says whether the server took it (RFC 8446 4.2.10). Accepted, it is the
/// connection's first HTTP bytes; refused, the server skipped it (its application never saw
/// the request, which a client then sends again after the handshake), so it is dropped and
/// counted, never read as a request. While the answer is pending every client plaintext is
/// early data: a client's later data needs the server's Finished, which follows its
/// EncryptedExtensions. Bound: `maximumHeld` bytes (a server's max_early_data_size is
/// commonly 16 KB); early data past it is not read, and the connection's HTTP is then cut
/// (`HTTPConversation.gap`). A class: a session holds only a reference (8 bytes; most
/// sessions offer no early data, and every live session pays for its inline fields).
final class TLSEarlyData {
    static let maximumHeld = 64 * 1024

    enum State { case pending, accepted, refused }
    private(set) var state = State.pending
    private var held: [(bytes: [UInt8], time: Int64)] = []
    private var heldBytes = 0
    private(set) var overflowed = false
    /// Records of early data the server refused.
    private(set) var refusedRecords = 0

    var isPending: Bool { state == .pending }

    /// A client record's plaintext while the answer is pending.
    func hold(_ bytes: ByteSlice, time: Int64) {
        guard heldBytes + bytes.count <= Self.maximumHeld else {
            overflowed = true
            return
        }
        heldBytes += bytes.count
        held.append((Array(bytes.base), time))
    }

    /// The server's answer: the early data the HTTP conversation is to read first (none when
    /// refused).
    func resolve(accepted: Bool) -> [(bytes: [UInt8], time: Int64)] {
        state = accepted ? .accepted : .refused
        defer { (held, heldBytes) = ([], 0) }
        if accepted { return held }
        refusedRecords = held.count
        return []
    }
}
