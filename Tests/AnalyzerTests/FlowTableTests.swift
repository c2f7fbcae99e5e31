@testable import Analyzer
import CaptureFormats
import Dissectors
import Testing

struct FlowTableTests {
    static func key(_ n: Int, proto: UInt8 = IPProtocol.udp) -> FlowKey {
        FlowKey(
            lowAddress: IPAddress(v4: 0x0A00_0000 | UInt32(n & 0xFFFF)), highAddress: IPAddress(v4: 0x0A60_000A),
            lowPort: UInt16(truncatingIfNeeded: n >> 16 | 1024), highPort: 53, ipProtocol: proto)
    }

    /// Random lookups against a Dictionary model: the same flows exist, each found at
    /// the index it was created with, through growth and backward-shift deletions.
    @Test func agreesWithDictionaryModel() {
        var limits = FlowTable.Limits()
        limits.otherIdle = 50
        limits.dnsIdle = 50  // the keys are DNS (port 53)
        limits.sweepInterval = 10
        var table = FlowTable(limits: limits, seed: 42)
        var model: [FlowKey: (serial: Int, last: Int64)] = [:]
        var finished: [FlowKey] = []
        var state: UInt64 = 7
        for t in Int64(0)..<60_000 {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            let k = Self.key(Int(state % 3000))
            let (i, isNew) = table.lookup(k, time: t, clock: t) { finished.append($0.key) }
            // Model: flows idle more than 50 ticks at a sweep are gone.
            for f in finished { model[f] = nil }
            finished.removeAll()
            #expect(isNew == (model[k] == nil), "t=\(t)")
            if isNew { model[k] = (table[i].serial, t) } else { #expect(table[i].serial == model[k]!.serial) }
            table[i].lastSeen = t
            model[k]!.last = t
            #expect(table[i].key == k)
        }
        #expect(table.liveCount == model.count)
        #expect(table.created == table.expired + table.liveCount)
        #expect(table.expired > 0, "the run must exercise expiry")
    }

    /// A table of `CountedFlow`s (64 bytes) finishes the same flows as a table of `Flow`s
    /// fed the same packets, each the same `Flow` field for field: first timestamps with
    /// nanoseconds up to 999,999,999 beside the two flag bits, both directions, expiry,
    /// eviction at the cap, and the drain.
    @Test func countedFlowsAreFlows() {
        #expect(MemoryLayout<CountedFlow>.stride == 64)
        var limits = FlowTable.Limits()
        limits.maximumFlows = 250  // about 300 keys seen in each 10 s (dnsIdle)
        limits.sweepInterval = 1_000_000_000
        var full = FlowTable(limits: limits, seed: 9)
        var narrow = FlowTableOf<CountedFlow>(limits: limits, seed: 9)
        var a: [Flow] = [], b: [Flow] = []
        var state: UInt64 = 3
        for n in 0..<20_000 {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            let k = Self.key(Int(state % 600))
            let fromLow = state & 1 == 0, time = Int64(n) * 23_000_001
            let stamp = Timestamp(seconds: 1_700_000_000 + Int64(n / 300), nanoseconds: UInt32(state % 1_000_000_000))
            let (i, isNew) = full.lookup(k, time: time, clock: time) { a.append($0) }
            full.update(i) {
                CapturePass.count(&$0, isNew: isNew, fromLow: fromLow, time: time, timestamp: stamp, length: n % 1500)
            }
            let (j, isNewToo) = narrow.lookup(k, time: time, clock: time) { b.append($0.flow) }
            narrow.update(j) {
                CapturePass.count(&$0, isNew: isNewToo, fromLow: fromLow, time: time, timestamp: stamp, length: n % 1500)
            }
            #expect(isNew == isNewToo && narrow[j].hasKey(k) && narrow[j].key == k)
        }
        full.drain { a.append($0) }
        narrow.drain { b.append($0.flow) }
        #expect(full.evicted > 0 && full.expired > 0 && a.count == full.created)
        #expect(narrow.evicted == full.evicted && narrow.expired == full.expired && b.count == a.count)
        func fields(_ f: Flow) -> [Int] {
            [
                f.serial, Int(f.firstSecond), Int(f.firstNanosecond), Int(f.lastSeen), f.packetsFromLow, f.packetsFromHigh,
                f.bytesFromLow, f.bytesFromHigh, f.clientIsLow ? 1 : 0, f.isLive ? 1 : 0, Int(f.hashTag),
            ]
        }
        #expect(a.map(\.key) == b.map(\.key))
        #expect(a.map(fields) == b.map(fields))
        #expect(a.contains { $0.firstNanosecond > 999_000_000 && !$0.clientIsLow })
    }

    /// DNS over UDP leaves after Zeek's dns_session_timeout (10 s idle); other UDP after 60 s.
    @Test func dnsFlowsExpireSooner() {
        var table = FlowTable(seed: 5)
        let second: Int64 = 1_000_000_000
        let dns = Self.key(1)
        let other = FlowKey(
            lowAddress: IPAddress(v4: 0x0A00_0001), highAddress: IPAddress(v4: 0x0A00_0002),
            lowPort: 8125, highPort: 40_000, ipProtocol: IPProtocol.udp)
        var finished: [FlowKey] = []
        for k in [dns, other] { _ = table.lookup(k, time: 0, clock: 0) { finished.append($0.key) } }
        // Another flow's packets move the clock; sweeps run every 10 s of capture time.
        let tick = Self.key(99, proto: IPProtocol.tcp)
        for s in 1...75 {
            let t = Int64(s) * second
            let (i, _) = table.lookup(tick, time: t, clock: t) { finished.append($0.key) }
            table[i].lastSeen = t
            if t == 21 * second { #expect(finished == [dns]) }
        }
        #expect(finished == [dns, other])
    }

    /// A SYN flood from random ports stays under the cap; the overflow is evicted and counted.
    @Test func synFloodIsBoundedAndCounted() {
        var limits = FlowTable.Limits()
        limits.maximumFlows = 10_000
        var table = FlowTable(limits: limits, seed: 1)
        var finished = 0
        for n in 0..<200_000 {
            let (i, _) = table.lookup(Self.key(n, proto: IPProtocol.tcp), time: Int64(n), clock: Int64(n)) { _ in finished += 1 }
            table[i].lastSeen = Int64(n)
        }
        #expect(table.liveCount <= 10_000)
        #expect(table.peakLive == 10_000)
        #expect(table.evicted == 190_000)
        #expect(finished == table.evicted + table.expired)
        // The most recent flows survive: the table evicts the least recently active.
        let (_, isNew) = table.lookup(Self.key(199_999, proto: IPProtocol.tcp), time: 200_000, clock: 200_000) { _ in }
        #expect(!isNew)
    }

    /// Under a flood at the cap, a flow active every tenth packet is never the victim (a
    /// victim chosen ahead is dropped when a packet arrived on it since), the victims are
    /// old flows, and the owner is told of nearly every victim at both stages before it goes.
    @Test func floodEvictsOldFlowsAndHintsThemFirst() {
        var limits = FlowTable.Limits()
        limits.maximumFlows = 1000
        var table = FlowTable(limits: limits, seed: 5)
        let busy = Self.key(0x7FFF_FFFF, proto: IPProtocol.tcp)
        var hinted: [Int: Int] = [:]  // serial -> stages seen (bit 0: stage 0, bit 1: stage 1)
        var victims = 0, hintedBoth = 0, busyEvicted = 0, ages: [Int64] = []
        for n in 0..<50_000 {
            let t = Int64(n)
            let k = n % 10 == 0 ? busy : Self.key(n, proto: IPProtocol.tcp)
            let (i, _) = table.lookup(k, time: t, clock: t, prefetch: { hinted[$0.serial, default: 0] |= 1 << $1 }) { f in
                victims += 1
                if f.key == busy { busyEvicted += 1 }
                if hinted[f.serial] == 3 { hintedBoth += 1 }
                ages.append(t - f.lastSeen)
            }
            table[i].lastSeen = t
        }
        #expect(victims > 40_000)
        #expect(busyEvicted == 0)
        #expect(hintedBoth * 10 >= victims * 9, "\(hintedBoth) of \(victims) victims hinted at both stages")
        // 1000 live flows span about 1100 packets: a random one is about 550 packets old.
        ages.sort()
        #expect(ages[ages.count / 2] > 700, "median victim age \(ages[ages.count / 2])")
    }

    @Test func drainReturnsEveryFlowInSerialOrder() {
        var table = FlowTable(seed: 3)
        for n in 0..<5000 { _ = table.lookup(Self.key(n), time: 0, clock: 0) { _ in } }
        var serials: [Int] = []
        table.drain { serials.append($0.serial) }
        #expect(serials == Array(0..<5000))
        #expect(table.liveCount == 0)
    }

    /// A flow record is touched on every packet: growing it past 112 bytes measurably
    /// slowed `loupe summary` (README, Benchmark). Grow it only with a new measurement.
    @Test func flowRecordStaysSmall() {
        #expect(MemoryLayout<Flow>.stride <= 112, "Flow is \(MemoryLayout<Flow>.stride) bytes")
    }

    @Test func keyIsDirectionless() {
        var f = DecodedFrame()
        f.ipVersion = 4
        f.ipProtocol = IPProtocol.tcp
        f.hasPorts = true
        f.source = IPAddress(v4: 9); f.destination = IPAddress(v4: 3); f.sourcePort = 1; f.destinationPort = 2
        let (a, fromLowA) = FlowKey.of(f)
        swap(&f.source, &f.destination); swap(&f.sourcePort, &f.destinationPort)
        let (b, fromLowB) = FlowKey.of(f)
        #expect(a == b && fromLowA != fromLowB)
    }

    /// One timestamp 584,000 years ahead (a real corpus file) does not expire live flows.
    @Test func clockIgnoresSingleLeaps() {
        var clock = CaptureClock()
        clock.observe(1_000)
        clock.observe(1_000 + 2 * CaptureClock.maximumStep)
        #expect(clock.now == 1_000)
        clock.observe(2_000)
        #expect(clock.now == 2_000)
        for _ in 0..<CaptureClock.confirmations { clock.observe(10 * CaptureClock.maximumStep) }
        #expect(clock.now == 10 * CaptureClock.maximumStep, "a sustained jump is taken")
        #expect(clock.leapsTaken == 1)
    }
}
