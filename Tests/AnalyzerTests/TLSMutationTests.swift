import Analyzer
import CaptureFormats
import Reports
import Testing
import _TestSupport

/// The recorded TLS scenarios with TCP payload bytes flipped (seeded): hellos, certificates,
/// alerts and record headers with wrong lengths and types go through the whole report, which
/// must finish (no trap), keep counting the connections, and report what it could not read.
struct TLSMutationTests {
    static func frames() throws -> [(seconds: UInt32, fraction: UInt32, data: [UInt8], original: Int?)] {
        var reader = try CaptureReader(path: Fixtures.path("pcaps/tls/handshakes.pcapng"), readAhead: false)
        var out: [(seconds: UInt32, fraction: UInt32, data: [UInt8], original: Int?)] = []
        while let r = reader.next() {
            let t = r.timestamp ?? Timestamp(seconds: 0, nanoseconds: 0)
            out.append((UInt32(t.seconds), t.nanoseconds / 1000, Array(r.data), nil))
        }
        return out
    }

    @Test(arguments: 0..<8)
    func flippedPayloadBytesNeverTrap(batch: Int) throws {
        let original = try Self.frames()
        // Ethernet + IPv4 + TCP with timestamps: payload from byte 66.
        let carrying = original.indices.filter { original[$0].data.count > 66 }
        #expect(carrying.count > 40)
        var rng = SplitMix(seed: UInt64(batch))
        var malformedSeen = 0
        for _ in 0..<40 {
            var frames = original
            for _ in 0..<1 + Int(rng.next() % 6) {
                let f = carrying[Int(rng.next() % UInt64(carrying.count))]
                let at = 66 + Int(rng.next() % UInt64(frames[f].data.count - 66))
                frames[f].data[at] = UInt8(truncatingIfNeeded: rng.next())
            }
            let path = temporaryFile(Frames.pcapFile(records: frames))
            let report = try ReportRun.run(paths: [path], options: ReportOptions()).report
            #expect(report.tls.connections >= 9, "a flipped byte may hide a hello, not most connections")
            #expect(report.tls.sessions.rows.count == report.tls.connections)
            malformedSeen += report.tls.malformed
        }
        #expect(malformedSeen > 0, "some flips break TLS framing and are reported")
    }
}

/// A small seeded generator (SplitMix64): the same cases on every run.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed &+ 0x9E37_79B9_7F4A_7C15 }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
