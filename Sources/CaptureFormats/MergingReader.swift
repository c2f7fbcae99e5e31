/// Several capture files read as one, packets merged in timestamp order (mergecap's
/// rule). Ties and packets without timestamps keep file order. A file recorded at several
/// points (pcapng with more than one interface, or Linux cooked v2 from `-i any`) is put in
/// time order first, within `TimeReorder`'s window.
public struct MergingReader {
    public private(set) var readers: [CaptureReader]
    /// Per reader, once its records are seen to need ordering (`ordering` says which, read
    /// per record: testing the optional itself copied it).
    private var reorders: [TimeReorder?]
    private var ordering: [Bool]
    /// `ordering[0]`, read without the array on the single-file path.
    private var ordering0 = false
    /// The next record of each reader not yet handed out; valid because each reader's
    /// buffer only moves when that reader is advanced.
    private var heads: [PacketRecord?]
    private var primed = false
    private var lastTaken = -1
    /// Inputs whose records ran out, in the order they did (several inputs only).
    public private(set) var finished: [Int] = []
    /// Per input, nanoseconds subtracted from its records' times before they are merged (a
    /// node's clock brought onto another's); empty or zeros: none. Several inputs only.
    public var shifts: [Int64] = [] { didSet { shifting = shifts.contains { $0 != 0 } } }
    private var shifting = false

    public init(_ readers: [CaptureReader]) {
        self.readers = readers
        heads = Array(repeating: nil, count: readers.count)
        reorders = Array(repeating: nil, count: readers.count)
        ordering = Array(repeating: false, count: readers.count)
    }

    /// Records that arrived older than one their file had already handed out (the time order's
    /// bound was reached): out of order.
    public var reorderedLate: Int { reorders.reduce(0) { $0 + ($1?.late ?? 0) } }

    /// Whether a record shows its file needs ordering: Linux cooked v2 (`-i any`), or a
    /// record on a second interface; or, for a file's first record, interface blocks
    /// before it describing more than one interface (as dumpcap writes them).
    @inline(__always)
    private func unordered(_ record: PacketRecord, _ i: Int) -> Bool {
        record.linkType == .linuxSLL2 || record.interface > 0 || (readers[i].packets == 1 && readers[i].interfaceCount > 1)
    }

    /// More than one observation point may be in the inputs: several files, or a file of
    /// several interfaces (known once its first record is read).
    public var severalPoints: Bool { readers.count > 1 || ordering.contains(true) }

    @inline(never)
    private mutating func pullOrdered(_ i: Int, after record: PacketRecord?) -> PacketRecord? {
        if let record {
            guard record.linkType == .linuxSLL2 || readers[i].interfaceCount > 1 else { return record }
            ordering[i] = true
            reorders[i] = TimeReorder()
            reorders[i]!.hold(record)
        }
        return reorders[i]!.next(from: &readers[i])
    }

    @inline(__always)
    private mutating func pull(_ i: Int) -> PacketRecord? {
        let record = pullInOrder(i)
        guard shifting, i < shifts.count, shifts[i] != 0, var shifted = record else { return record }
        shifted.timestamp = shifted.timestamp?.adding(nanoseconds: -shifts[i])
        return shifted
    }

    @inline(__always)
    private mutating func pullInOrder(_ i: Int) -> PacketRecord? {
        if ordering[i] { return pullOrdered(i, after: nil) }
        guard let record = readers[i].next() else { return nil }
        return unordered(record, i) ? pullOrdered(i, after: record) : record
    }

    /// The next packet and the index of the reader it came from.
    public mutating func next() -> (input: Int, record: PacketRecord)? {
        if readers.count == 1 {
            if !ordering0 {
                guard let r = readers[0].next() else { return nil }
                guard unordered(r, 0) else { return (0, r) }
                let ordered = pullOrdered(0, after: r)
                ordering0 = ordering[0]
                return ordered.map { (0, $0) }
            }
            return pullOrdered(0, after: nil).map { (0, $0) }
        }
        if !primed {
            for i in readers.indices {
                heads[i] = pull(i)
                if heads[i] == nil { finished.append(i) }
            }
            primed = true
        } else if lastTaken >= 0 {
            heads[lastTaken] = pull(lastTaken)
            if heads[lastTaken] == nil { finished.append(lastTaken) }
        }
        var best = -1
        var bestTime: Timestamp?
        for i in heads.indices {
            guard let head = heads[i] else { continue }
            guard let t = head.timestamp else { best = i; break }
            if best < 0 || (bestTime.map { t < $0 } ?? false) {
                best = i
                bestTime = t
            }
        }
        lastTaken = best
        guard best >= 0, let record = heads[best] else { return nil }
        return (best, record)
    }
}
