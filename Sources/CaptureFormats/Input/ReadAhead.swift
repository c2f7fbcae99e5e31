#if canImport(Glibc)
import Glibc
#endif

/// Reads (and, for compressed files, decompresses) a `ByteSource` on its own thread into
/// a ring of chunks, so that the kernel's copy and the decompressor run beside the parser
/// instead of between its packets (this machine has two cores).
///
/// Each chunk has `headroom` bytes in front of its data: the consumer copies the unread
/// tail of the previous chunk (a record cut by the chunk boundary) there, so records stay
/// contiguous without copying whole chunks.
final class ReadAhead {
    static let chunkSize = 1 << 20
    static let headroom = 256 << 10
    static let depth = 4

    /// State shared with the reading thread; the thread holds it, not the `ReadAhead`.
    private final class Shared {
        let source: ByteSource
        let buffers: [UnsafeMutableRawBufferPointer]
        var mutex = pthread_mutex_t()
        var changed = pthread_cond_t()
        /// Chunks filled and not yet taken, oldest first: (buffer, byte count).
        var filled: [(Int, Int)] = []
        var free: [Int]
        var producerDone = false
        /// The reader thread waits for a free buffer (set and read under `mutex`).
        var producerWaiting = false
        var failure: String?
        var stop = false

        init(source: ByteSource) {
            self.source = source
            buffers = (0..<ReadAhead.depth).map { _ in
                .allocate(byteCount: ReadAhead.headroom + ReadAhead.chunkSize, alignment: 64)
            }
            free = Array(0..<ReadAhead.depth)
            pthread_mutex_init(&mutex, nil)
            pthread_cond_init(&changed, nil)
        }

        deinit {
            for b in buffers { b.deallocate() }
            pthread_mutex_destroy(&mutex)
            pthread_cond_destroy(&changed)
        }

        /// The reading thread's loop: fill a free chunk, publish it, until EOF, failure or stop.
        func produce() {
            while true {
                pthread_mutex_lock(&mutex)
                while free.isEmpty && !stop {
                    producerWaiting = true
                    pthread_cond_wait(&changed, &mutex)
                    producerWaiting = false
                }
                if stop { pthread_mutex_unlock(&mutex); return }
                let index = free.removeFirst()
                pthread_mutex_unlock(&mutex)

                let data = UnsafeMutableRawBufferPointer(rebasing: buffers[index][ReadAhead.headroom...])
                var count = 0
                var failed: String?
                var eof = false
                while count < data.count {
                    do {
                        let n = try source.read(into: UnsafeMutableRawBufferPointer(rebasing: data[count...]))
                        if n == 0 { eof = true; break }
                        count += n
                    } catch {
                        failed = error.message
                        break
                    }
                }

                pthread_mutex_lock(&mutex)
                if count > 0 { filled.append((index, count)) } else { free.append(index) }
                if eof || failed != nil {
                    producerDone = true
                    failure = failed
                }
                pthread_cond_broadcast(&changed)
                let done = producerDone
                pthread_mutex_unlock(&mutex)
                if done { return }
            }
        }
    }

    private let shared: Shared
    private var thread = pthread_t()

    /// Nil when no thread can be started; the caller then reads on its own thread.
    init?(source: ByteSource) {
        shared = Shared(source: source)
        let context = Unmanaged.passRetained(shared).toOpaque()
        let rc = pthread_create(
            &thread, nil,
            { raw in
                let shared = Unmanaged<Shared>.fromOpaque(raw!).takeRetainedValue()
                shared.produce()
                return nil
            }, context)
        if rc != 0 {
            Unmanaged<Shared>.fromOpaque(context).release()
            return nil
        }
    }

    deinit {
        pthread_mutex_lock(&shared.mutex)
        shared.stop = true
        pthread_cond_broadcast(&shared.changed)
        pthread_mutex_unlock(&shared.mutex)
        pthread_join(thread, nil)
    }

    func buffer(_ index: Int) -> UnsafeMutableRawBufferPointer { shared.buffers[index] }

    /// The next filled chunk (its data starts at `headroom`), or nil at the end; `failure`
    /// then says why, if the source failed.
    func next() -> (index: Int, count: Int)? {
        pthread_mutex_lock(&shared.mutex)
        defer { pthread_mutex_unlock(&shared.mutex) }
        while shared.filled.isEmpty && !shared.producerDone {
            // A buffer `release` kept quiet about: the reader must have it before this waits.
            if shared.producerWaiting && !shared.free.isEmpty { pthread_cond_broadcast(&shared.changed) }
            pthread_cond_wait(&shared.changed, &shared.mutex)
        }
        guard !shared.filled.isEmpty else { return nil }
        return shared.filled.removeFirst()
    }

    var failure: String? {
        pthread_mutex_lock(&shared.mutex)
        defer { pthread_mutex_unlock(&shared.mutex) }
        return shared.failure
    }

    /// Gives a chunk back to the reading thread.
    /// Wakes a waiting reader of an uncompressed file only once two buffers are free (it
    /// then reads both): each wake-up is a system call on the pass thread and a context
    /// switch on the other core (measured: a thousand per gigabyte, the largest kernel cost
    /// of the pass thread). `next` wakes it for one buffer before it would wait itself. A
    /// decompressing reader is woken at once: it is the slower side, and idle it loses time.
    func release(_ index: Int) {
        pthread_mutex_lock(&shared.mutex)
        shared.free.append(index)
        if shared.producerWaiting && (shared.free.count >= 2 || shared.source.compression != .none) {
            pthread_cond_broadcast(&shared.changed)
        }
        pthread_mutex_unlock(&shared.mutex)
    }
}
