import Dissectors

/// Entry for the `http` fuzz target (Sources/FuzzTargets): the bytes as a conversation, as a
/// decrypted or plain connection would hand them over. The first byte chooses how: bit 0,
/// HTTP/2 (the client preface is put first) or HTTP/1.1; bits 1-7, the chunk length. Chunks
/// alternate between client and server; every fifth direction change a gap is reported.
public enum HTTPFuzzing {
    public static func consume(_ bytes: UnsafeRawBufferPointer) {
        guard let first = bytes.first else { return }
        let step = Int(first >> 1) + 1
        let conversation = HTTPConversation.undecided
        if first & 1 == 1 {
            HTTP2Conversation.preface.withUnsafeBytes { conversation.client(ByteSlice($0), time: 0) }
        }
        var offset = 1, turn = 0
        while offset < bytes.count {
            let end = min(bytes.count, offset + step)
            let chunk = ByteSlice(UnsafeRawBufferPointer(rebasing: bytes[offset..<end]))
            let time = Int64(offset)
            if turn % 2 == 0 { conversation.client(chunk, time: time) } else { conversation.server(chunk, time: time) }
            turn += 1
            if turn % 5 == 0 { conversation.gap(fromClient: turn % 2 == 0) }
            offset = end
        }
        conversation.close(at: Int64(bytes.count))
        for r in conversation.requests {
            _ = HTTPTarget(method: r.method, target: r.target)
            _ = HTTPServices.template(r.target)
        }
    }
}
