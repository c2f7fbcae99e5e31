@testable import Analyzer
import Dissectors
import Testing

/// `TLSEarlyData`: 0-RTT data held until the server answers, its bound driven past, and
/// what accepted and refused data become (`APIRequestsTests.refusedEarlyDataIsNoRequest`
/// checks a recorded refusal end to end).
struct TLSEarlyDataTests {
    static func hold(_ e: TLSEarlyData, _ text: String, at time: Int64) {
        Array(text.utf8).withUnsafeBytes { e.hold(ByteSlice($0), time: time) }
    }

    @Test func acceptedIsDeliveredInOrderAndRefusedIsDropped() {
        let accepted = TLSEarlyData()
        Self.hold(accepted, "GET / HTTP/1.1\r\n", at: 1)
        Self.hold(accepted, "\r\n", at: 2)
        #expect(accepted.isPending)
        let pieces = accepted.resolve(accepted: true)
        #expect(pieces.map { String(decoding: $0.bytes, as: UTF8.self) } == ["GET / HTTP/1.1\r\n", "\r\n"])
        #expect(pieces.map(\.time) == [1, 2] && accepted.state == .accepted && accepted.refusedRecords == 0)

        let refused = TLSEarlyData()
        Self.hold(refused, "GET / HTTP/1.1\r\n\r\n", at: 1)
        #expect(refused.resolve(accepted: false).isEmpty)
        #expect(refused.state == .refused && refused.refusedRecords == 1)
    }

    /// Past `maximumHeld` bytes the rest is not held, and said (`overflowed`).
    @Test func heldBytesPastTheirBound() {
        let e = TLSEarlyData()
        let piece = String(repeating: "a", count: 16 * 1024)
        for i in 0..<5 { Self.hold(e, piece, at: Int64(i)) }
        #expect(e.overflowed)
        let pieces = e.resolve(accepted: true)
        #expect(pieces.count == TLSEarlyData.maximumHeld / (16 * 1024))
        #expect(pieces.reduce(0) { $0 + $1.bytes.count } <= TLSEarlyData.maximumHeld)
    }
}
