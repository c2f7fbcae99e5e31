import Dissectors
import Reports
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The DNS analysis on a thread of its own: the pass thread copies each DNS frame's facts
/// and payload into a ring and goes on; the worker thread runs `DNSAnalysis` on them in
/// the same order. DNS was a third of `loupe report` on a busy node (measured) and needs
/// nothing from the rest of the pass, so on two cores it runs beside it. The analysis is
/// the worker's alone until `finish()` joins the thread and hands it back: results are
/// identical to running it inline (tests compare both).
///
/// The ring is single-producer, single-consumer: `head` (bytes published) and `tail` (bytes
/// consumed) only grow; each side sleeps on a condition variable when it must wait, and
/// the other wakes it only when its flag says it sleeps. Each side publishes its position
/// in batches (`publishBytes`, `releaseBytes`), not per frame, and the two positions sit on cache lines of
/// their own: a store per frame moved the shared line between the cores twice per frame
/// (measured: a tenth of both threads' time on 800k DNS frames).
final class DNSWorker: @unchecked Sendable {
    /// One frame in the ring: its facts, where its payload sat in the frame (for error
    /// offsets), and the payload's length; the bytes follow. A payload over
    /// `inlineLimit` (a hostile or TSO-sized frame) travels in a heap copy instead
    /// (`external`), freed by the worker, and still takes `inlineLimit` bytes of the ring,
    /// so at most four are outstanding: memory stays bounded however large the frames.
    /// 120 bytes (192 with word-sized fields and the frame's endpoints stored apart).
    private struct Record {
        var frame: DNSFrame
        var external: UnsafeMutableRawPointer?
        /// The payload's bytes (a frame's length is a 32-bit field in both capture formats).
        var length: UInt32
        var frameOffset: UInt32
        /// Bytes this record takes in the ring, itself included (at most `inlineLimit` and
        /// the record).
        var span: UInt32
        /// The ring's end was too near: the next record starts at the ring's start.
        var wrap: Bool
    }

    /// 4 MB (two huge pages). 2 MB gave the same wall time (CPU -1%, within noise) and 2 MB
    /// less RSS at every capture size, which raised the RSS growth from 100k to 6M packets
    /// (a ratio: the same 2 MB off a smaller base) to the benchmark's 1.25 bound.
    static let capacity = 4 << 20
    static let spins = 20_000
    static let inlineLimit = capacity / 4
    /// The pass thread publishes what it wrote after this many bytes (and whenever it would
    /// wait): when the worker keeps up it sleeps between batches, and each batch costs a
    /// wake-up (a futex call on the pass thread: measured, 2% of it at 32 KB batches).
    static let publishBytes = 256 << 10
    /// The worker gives space back after this many bytes (and whenever it would wait).
    static let releaseBytes = 32 << 10
    private static let recordSize = (MemoryLayout<Record>.stride + 7) & ~7

    private let ring: UnsafeMutableRawPointer
    /// Stored properties are laid out in order: the padding keeps `head` (written by the
    /// pass thread) and `tail` (by the worker) off each other's cache line.
    private let pad0: (Int, Int, Int, Int, Int, Int, Int, Int) = (0, 0, 0, 0, 0, 0, 0, 0)
    private let head = Atomic<Int>(0)
    private let pad1: (Int, Int, Int, Int, Int, Int, Int, Int) = (0, 0, 0, 0, 0, 0, 0, 0)
    private let tail = Atomic<Int>(0)
    private let pad2: (Int, Int, Int, Int, Int, Int, Int, Int) = (0, 0, 0, 0, 0, 0, 0, 0)
    private let done = Atomic<Bool>(false)
    private let consumerSleeps = Atomic<Bool>(false)
    private let producerSleeps = Atomic<Bool>(false)
    private var mutex = pthread_mutex_t()
    private var dataReady = pthread_cond_t()
    private var spaceReady = pthread_cond_t()
    /// The worker's alone between `init` and `finish`; nil while `consume` holds it.
    private var analysis: DNSAnalysis?
    /// DNS over UDP's conversations, counted here too (the worker's alone, as `analysis`).
    private var conversations: DNSConversations?
    /// The pass's table's last sweep, set before `done` (which publishes it): the
    /// conversations' table follows it before it drains.
    private var finalSweep: Int64 = .min
    /// Run on the finished analysis on the worker thread (the report's DNS section: built
    /// there, it overlaps the pass thread's end instead of following it).
    private let epilogue: (@Sendable (inout DNSAnalysis) -> DNSSection)?
    private var epilogueResult: DNSSection?
    private var thread = pthread_t()
    /// The producer's write position and the last one published in `head` (only the pass
    /// thread touches them).
    private var written = 0
    private var published = 0

    /// Nil when no thread can be started; the caller then runs the analysis inline.
    init?(
        _ analysis: DNSAnalysis, conversations: DNSConversations? = nil,
        epilogue: (@Sendable (inout DNSAnalysis) -> DNSSection)? = nil
    ) {
        self.analysis = analysis
        self.conversations = conversations
        self.epilogue = epilogue
        // On 2 MB boundaries, and asked for huge pages where the kernel gives them on request
        // (`madvise` mode): the ring is written through once, and 4 KB pages cost the pass
        // thread a page fault each on that first pass (measured: 1,024 faults, 1% of it).
        ring = .allocate(byteCount: Self.capacity, alignment: 2 << 20)
        _ = madvise(ring, Self.capacity, MADV_HUGEPAGE)
        pthread_mutex_init(&mutex, nil)
        pthread_cond_init(&dataReady, nil)
        pthread_cond_init(&spaceReady, nil)
        let context = Unmanaged.passRetained(self).toOpaque()
        let rc = pthread_create(
            &thread, nil,
            { raw in
                Unmanaged<DNSWorker>.fromOpaque(raw!).takeRetainedValue().consume()
                return nil
            }, context)
        if rc != 0 {
            Unmanaged<DNSWorker>.fromOpaque(context).release()
            return nil
        }
    }

    deinit {
        ring.deallocate()
        pthread_mutex_destroy(&mutex)
        pthread_cond_destroy(&dataReady)
        pthread_cond_destroy(&spaceReady)
    }

    // MARK: - Pass thread

    /// Queues one DNS frame (its payload is copied: the reader's buffer moves on).
    func submit(_ frame: DNSFrame, payload: ByteSlice) {
        let inline = payload.count <= Self.inlineLimit
        let need = Self.recordSize + (inline ? (payload.count + 7) & ~7 : Self.inlineLimit)
        var at = written % Self.capacity
        if Self.capacity - at < need {
            // Not enough room before the ring's end: a wrap marker where one fits (where it
            // does not, the worker knows no record can start), then start over at 0.
            reserve(Self.capacity - at + need)
            if Self.capacity - at >= Self.recordSize {
                ring.storeBytes(
                    of: Record(frame: frame, external: nil, length: 0, frameOffset: 0, span: 0, wrap: true),
                    toByteOffset: at, as: Record.self)
            }
            written += Self.capacity - at
            at = 0
        } else {
            reserve(need)
        }
        var external: UnsafeMutableRawPointer?
        if inline {
            if payload.count > 0 {
                (ring + at + Self.recordSize).copyMemory(from: payload.base.baseAddress!, byteCount: payload.count)
            }
        } else {
            external = .allocate(byteCount: payload.count, alignment: 8)
            external!.copyMemory(from: payload.base.baseAddress!, byteCount: payload.count)
        }
        ring.storeBytes(
            of: Record(
                frame: frame, external: external, length: UInt32(clamping: payload.count),
                frameOffset: UInt32(clamping: payload.frameOffset), span: UInt32(need), wrap: false),
            toByteOffset: at, as: Record.self)
        written += need
        if written - published >= Self.publishBytes { publish() }
    }

    /// Makes what was written visible to the worker, and wakes it if it sleeps. The store
    /// and the load are sequentially consistent: with the worker's own pair (its flag, then
    /// `head`) one side always sees the other, so a wake-up is never lost.
    private func publish() {
        published = written
        head.store(written, ordering: .sequentiallyConsistent)
        if consumerSleeps.load(ordering: .sequentiallyConsistent) { wake(&dataReady) }
    }

    /// Waits until `bytes` past `written` are free (the worker consumed that far). What is
    /// written is published first: the worker cannot free space it cannot see.
    private func reserve(_ bytes: Int) {
        guard written + bytes - tail.load(ordering: .acquiring) > Self.capacity else { return }
        publish()
        pthread_mutex_lock(&mutex)
        producerSleeps.store(true, ordering: .sequentiallyConsistent)
        while written + bytes - tail.load(ordering: .sequentiallyConsistent) > Self.capacity {
            pthread_cond_wait(&spaceReady, &mutex)
        }
        producerSleeps.store(false, ordering: .sequentiallyConsistent)
        pthread_mutex_unlock(&mutex)
    }

    /// No more frames: the worker takes what is queued, then closes what is still open
    /// (`DNSAnalysis.finish()`) on its own thread while the pass thread does its own end.
    func close(lastSweep: Int64) {
        finalSweep = lastSweep
        publish()
        done.store(true, ordering: .sequentiallyConsistent)
        wake(&dataReady)
    }

    /// Waits for the worker (after `close()`) and returns the finished analysis, with the
    /// epilogue's result when there is one.
    func join() -> (DNSAnalysis, DNSSection?, DNSConversations?) {
        pthread_join(thread, nil)
        return (analysis!, epilogueResult, conversations)
    }

    private func wake(_ condition: inout pthread_cond_t) {
        pthread_mutex_lock(&mutex)
        pthread_cond_signal(&condition)
        pthread_mutex_unlock(&mutex)
    }

    // MARK: - Worker thread

    private func consume() {
        // The analysis and the conversations are worked on as locals, moved out of this
        // object's properties and back at the end: each access to a class's stored property
        // through a mutating call is checked for exclusivity at run time (swift_beginAccess,
        // a thread-local set), four times a frame here (measured: 4% of the DNS thread).
        var analysis = self.analysis!
        self.analysis = nil
        var conversations = self.conversations
        self.conversations = nil
        var read = 0
        var released = 0
        while true {
            let available = head.load(ordering: .acquiring)
            if read == available {
                if released != read {
                    release(read)  // caught up: all of it is free before the worker waits
                    released = read
                    continue
                }
                if done.load(ordering: .acquiring) && read == head.load(ordering: .acquiring) {
                    conversations?.drain(after: finalSweep)
                    analysis.finish()
                    epilogueResult = epilogue?(&analysis)
                    self.analysis = analysis
                    self.conversations = conversations
                    return
                }
                sleepUntilData(read)
                continue
            }
            while read < available {
                let at = read % Self.capacity
                if Self.capacity - at < Self.recordSize {
                    read += Self.capacity - at  // too near the end for a record: the producer wrapped
                    continue
                }
                let record = ring.load(fromByteOffset: at, as: Record.self)
                if record.wrap {
                    read += Self.capacity - at
                } else {
                    prefetchNext(after: read + Int(record.span), available: available, &analysis, &conversations)
                    var analyze = true
                    if let c = record.frame.conversation {
                        conversations!.count(record.frame, c)
                        analyze = c.analyze
                    }
                    if let external = record.external {
                        if analyze {
                            analysis.receive(
                                record.frame,
                                payload: ByteSlice(
                                    UnsafeRawBufferPointer(start: external, count: Int(record.length)),
                                    frameOffset: Int(record.frameOffset)))
                        }
                        external.deallocate()
                    } else if analyze {
                        analysis.receive(
                            record.frame,
                            payload: ByteSlice(
                                UnsafeRawBufferPointer(start: ring + at + Self.recordSize, count: Int(record.length)),
                                frameOffset: Int(record.frameOffset)))
                    }
                    read += Int(record.span)
                }
                if read - released >= Self.releaseBytes {
                    release(read)
                    released = read
                }
            }
        }
    }

    /// Starts loading the hash slots the next frame will probe (its conversation, its
    /// pending transaction) while this one is analysed: a new lookup's slot is a miss to
    /// memory, and probing it was the largest cost of both tables (measured).
    @inline(__always)
    private func prefetchNext(
        after next: Int, available: Int, _ analysis: inout DNSAnalysis,
        _ conversations: inout DNSConversations?
    ) {
        guard next < available else { return }
        let at = next % Self.capacity
        guard Self.capacity - at >= Self.recordSize else { return }
        let record = ring.load(fromByteOffset: at, as: Record.self)
        guard !record.wrap, record.frame.hasConversation else { return }
        conversations?.prefetch(record.frame.key)
        if record.external == nil && record.length >= 2 {
            let id =
                UInt16(ring.load(fromByteOffset: at + Self.recordSize, as: UInt8.self)) << 8
                | UInt16(ring.load(fromByteOffset: at + Self.recordSize + 1, as: UInt8.self))
            analysis.prefetch(key: record.frame.key, id: id)
        }
    }

    /// Gives the ring up to `read` back to the producer, and wakes it if it waits for space.
    private func release(_ read: Int) {
        tail.store(read, ordering: .sequentiallyConsistent)
        if producerSleeps.load(ordering: .sequentiallyConsistent) { wake(&spaceReady) }
    }

    /// Spins a little before sleeping: DNS frames come in bursts, and a sleep and wake-up
    /// (two system calls, a context switch each side) cost more than a few microseconds of
    /// looking (measured: 3% of the pass thread's time in the kernel without it).
    private func sleepUntilData(_ read: Int) {
        for _ in 0..<Self.spins {
            if head.load(ordering: .acquiring) != read || done.load(ordering: .relaxed) { return }
        }
        pthread_mutex_lock(&mutex)
        consumerSleeps.store(true, ordering: .sequentiallyConsistent)
        while head.load(ordering: .sequentiallyConsistent) == read && !done.load(ordering: .sequentiallyConsistent) {
            pthread_cond_wait(&dataReady, &mutex)
        }
        consumerSleeps.store(false, ordering: .sequentiallyConsistent)
        pthread_mutex_unlock(&mutex)
    }
}
