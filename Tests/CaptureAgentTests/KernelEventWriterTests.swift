@testable import Bundles
@testable import CaptureAgent
import CaptureFormats
import EBPF
import Foundation
import Testing

/// The agent's kernel event file: records from the BPF programs' layout become lines on the
/// packets' clock, and the file keeps to its size limit, counting what it did not write.
struct KernelEventWriterTests {
    /// A record as the BPF program lays it out (bpf/loupe_events.bpf.c's header comment).
    static func record(kind: UInt8, monotonic: UInt64, sport: UInt16 = 40000, reason: UInt32 = 0) -> KernelEventRecord {
        var raw = [UInt8](repeating: 0, count: 96)
        func put<T: FixedWidthInteger>(_ v: T, _ at: Int) {
            withUnsafeBytes(of: v.littleEndian) { raw.replaceSubrange(at..<(at + $0.count), with: $0) }
        }
        put(monotonic, 0); put(UInt64(7), 8); put(UInt32(4026531840), 16); put(UInt32(1000), 20); put(UInt32(250), 24)
        put(reason, 28); put(UInt32(1500), 32); put(UInt16(2), 36); put(sport, 38); put(UInt16(443), 40)
        raw[42] = kind; raw[43] = 2; raw[44] = 1; raw[45] = 6
        raw.replaceSubrange(48..<52, with: [10, 0, 0, 1]); raw.replaceSubrange(64..<68, with: [10, 0, 0, 2])
        return raw.withUnsafeBytes { KernelEventRecord($0)! }
    }

    @Test func linesOnTheWallClock() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-events-\(getpid()).jsonl").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let w = try KernelEventWriter(path: path, attached: ["tcp_retransmit_skb (tp_btf)"], unavailable: [], node: "n1")
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        let monotonic = UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
        w.add(Self.record(kind: 1, monotonic: monotonic))
        w.add(Self.record(kind: 2, monotonic: monotonic))
        w.add(Self.record(kind: 3, monotonic: monotonic, reason: 12))
        w.finish(lost: 3)
        var events: [KernelEvent] = []
        let header = try KernelEventLog.read(path: path) { events.append($0) }
        #expect(header.complete && header.lost == 3 && header.skipped == 0 && header.attached == ["tcp_retransmit_skb (tp_btf)"])
        #expect(events.map(\.kind) == [.retransmit, .state, .drop])
        let r = events[0]
        #expect(r.source == "10.0.0.1:40000" && r.destination == "10.0.0.2:443" && r.transport == "tcp")
        #expect(r.sequence == 1000 && r.smoothedRtt == 0.00025 && r.bytes == 1500 && r.netns == 4026531840 && r.cgroup == 7)
        #expect(abs(r.time - Date().timeIntervalSince1970) < 5, "moved to the wall clock")
        #expect(events[1].fromState == "SYN_SENT" && events[1].toState == "ESTABLISHED")
        #expect(
            events[2].reason == "NETFILTER_DROP" || events[2].reason == "REASON_12", "named from the kernel's BTF when it has one"
        )
    }

    @Test func keepsToItsLimit() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-events-cap-\(getpid()).jsonl").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let w = try KernelEventWriter(path: path, attached: [], unavailable: [], node: "n1", limit: 2000)
        for i in 0..<100 {
            w.add(Self.record(kind: 1, monotonic: UInt64(i) * 1000, sport: UInt16(40000 + i)))
            if i % 10 == 0 { _ = w.flush() }
        }
        w.finish(lost: 0)
        let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int ?? .max
        #expect(size <= 2000)
        var count = 0
        let header = try KernelEventLog.read(path: path) { _ in count += 1 }
        #expect(header.complete && count > 0 && header.skipped == 100 - count && count == w.events)
    }
}
