import Analyzer
import Dissectors
import Testing
import _TestSupport

struct IPDefragmenterTests {
    static let payload: [UInt8] = (0..<3000).map { UInt8(truncatingIfNeeded: $0 * 7) }

    /// The frame of one fragment: bytes [offset, offset + count) of the datagram payload.
    static func fragment(_ offset: Int, _ count: Int, more: Bool, id: UInt16 = 77) -> [UInt8] {
        Frames.ethernet(
            type: 0x0800,
            Frames.ipv4(
                src: [10, 0, 0, 1], dst: [10, 0, 0, 2], proto: 17,
                Array(payload[offset..<offset + count]), id: id,
                fragmentOffset: offset, moreFragments: more))
    }

    func feed(_ d: inout IPDefragmenter, _ bytes: [UInt8], time: Int64 = 0) -> [UInt8]? {
        bytes.withUnsafeBytes { raw in
            let f = FrameDecoder.decode(linkType: 1, bytes: raw, originalLength: raw.count)
            return d.add(f, time: time)
        }
    }

    @Test(arguments: [[0, 1, 2], [2, 1, 0], [1, 2, 0]])
    func reassemblesInAnyOrder(_ order: [Int]) {
        let pieces = [
            Self.fragment(0, 1480, more: true), Self.fragment(1480, 1480, more: true), Self.fragment(2960, 40, more: false),
        ]
        var d = IPDefragmenter()
        var result: [UInt8]?
        for (n, i) in order.enumerated() {
            result = feed(&d, pieces[i])
            #expect((result == nil) == (n < 2))
        }
        #expect(result == Self.payload)
        #expect(d.reassembled == 1 && d.incomplete == 0)
    }

    @Test func overlapsKeepFirstBytesAndAreCounted() {
        var d = IPDefragmenter()
        _ = feed(&d, Self.fragment(0, 1480, more: true))
        _ = feed(&d, Self.fragment(1000, 1480, more: true))
        let r = feed(&d, Self.fragment(2480, 520, more: false))
        #expect(r == Self.payload)
        #expect(d.overlaps == 1)
    }

    /// More incomplete datagrams than the bound: the excess is dropped and counted.
    @Test func pendingDatagramsAreBounded() {
        var d = IPDefragmenter()
        for id in 0..<3000 { _ = feed(&d, Self.fragment(0, 8, more: true, id: UInt16(id))) }
        #expect(d.incomplete <= IPDefragmenter.maximumPending)
        #expect(d.dropped == 3000 - IPDefragmenter.maximumPending)
    }

    /// With the table at least half full, datagrams older than the timeout expire.
    @Test func oldDatagramsExpire() {
        var d = IPDefragmenter()
        let n = IPDefragmenter.maximumPending / 2 + 50
        for id in 0..<n { _ = feed(&d, Self.fragment(0, 8, more: true, id: UInt16(id)), time: 0) }
        _ = feed(&d, Self.fragment(0, 8, more: true, id: 9999), time: IPDefragmenter.timeout + 1)
        #expect(d.expired == n)
        #expect(d.incomplete == 1)
    }

    /// Below half full nothing expires (tshark reassembles whatever the time between
    /// fragments): a datagram completed a minute later.
    @Test func lateFragmentStillCompletesWhileThereIsRoom() {
        var d = IPDefragmenter()
        _ = feed(&d, Self.fragment(0, 1480, more: true), time: 0)
        _ = feed(&d, Self.fragment(1480, 1480, more: true), time: IPDefragmenter.timeout * 2)
        let r = feed(&d, Self.fragment(2960, 40, more: false), time: IPDefragmenter.timeout * 2)
        #expect(r == Self.payload)
        #expect(d.expired == 0)
    }

    /// 8-byte fragments of one 65,528-byte datagram in a shuffled order, each twice: it
    /// completes once, each repeat counted as an overlap.
    @Test func tinyShuffledFragments() {
        var d = IPDefragmenter()
        let count = 65_528 / 8
        var order = Array(0..<count)
        var state: UInt64 = 5
        for i in stride(from: count - 1, to: 0, by: -1) {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            order.swapAt(i, Int(state % UInt64(i + 1)))
        }
        func tiny(_ k: Int) -> [UInt8] {
            Frames.ethernet(
                type: 0x0800,
                Frames.ipv4(
                    src: [10, 0, 0, 1], dst: [10, 0, 0, 2], proto: 17,
                    [UInt8](repeating: UInt8(k & 0xFF), count: 8), id: 78,
                    fragmentOffset: k * 8, moreFragments: k < count - 1))
        }
        var completed: [UInt8]?
        for (n, k) in order.enumerated() {
            if let whole = feed(&d, tiny(k)) { completed = whole }
            if n < count - 1 { _ = feed(&d, tiny(k)) }  // a repeat: overlaps, first copy kept
        }
        #expect(completed == (0..<count).flatMap { [UInt8](repeating: UInt8($0 & 0xFF), count: 8) })
        #expect(d.reassembled == 1 && d.incomplete == 0)
        #expect(d.overlaps == count - 1)
    }
}
