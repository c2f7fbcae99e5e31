import DequeModule

/// The bytes of records held by `TimeReorder`: one buffer of `capacity` bytes used as a ring,
/// allocated at its tail in arrival order and freed in any order (a record goes out by time,
/// which is nearly arrival order); the space of the oldest allocation is reused once it and
/// those before it are freed. No allocation per record.
///
/// Bound: `capacity` bytes; an allocation that does not fit fails (the caller hands records
/// out until it does). A record larger than the ring is never held.
struct RecordRing {
    /// The buffer, freed with its last owner (a struct has no deinit).
    private final class Storage {
        let bytes: UnsafeMutableRawBufferPointer
        init(_ capacity: Int) { bytes = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity, alignment: 16) }
        deinit { bytes.deallocate() }
    }

    let capacity: Int
    private let owner: Storage
    private let storage: UnsafeMutableRawBufferPointer
    /// Live and freed allocations in allocation order (freed ones at the front are dropped).
    private var allocations = Deque<(offset: Int, length: Int, freed: Bool)>()
    /// The ticket of `allocations.first`: tickets are consecutive.
    private var firstTicket = 0

    init(capacity: Int) {
        self.capacity = capacity
        owner = Storage(capacity)
        storage = owner.bytes
    }

    /// Copies `bytes` in: its ticket (to free it) and the copy, nil when it does not fit now.
    mutating func store(_ bytes: UnsafeRawBufferPointer) -> (ticket: Int, copy: UnsafeRawBufferPointer)? {
        let n = max(bytes.count, 1)
        guard n <= capacity, let offset = place(n) else { return nil }
        if let base = bytes.baseAddress { (storage.baseAddress! + offset).copyMemory(from: base, byteCount: bytes.count) }
        allocations.append((offset, n, false))
        let ticket = firstTicket + allocations.count - 1
        return (ticket, UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(storage)[offset..<offset + bytes.count]))
    }

    /// Where `n` bytes fit: after the newest allocation, or from the start when the ring has
    /// not wrapped and the oldest leaves room there.
    private func place(_ n: Int) -> Int? {
        guard let first = allocations.first, let last = allocations.last else { return 0 }
        let tail = last.offset + last.length
        if last.offset >= first.offset {  // not wrapped: free at the end and before the oldest
            if capacity - tail >= n { return tail }
            return first.offset >= n ? 0 : nil
        }
        return first.offset - tail >= n ? tail : nil  // wrapped: free between newest and oldest
    }

    mutating func free(_ ticket: Int) {
        let i = ticket - firstTicket
        guard i >= 0, i < allocations.count else { return }
        allocations[i].freed = true
        while let f = allocations.first, f.freed {
            allocations.removeFirst()
            firstTicket += 1
        }
    }
}
