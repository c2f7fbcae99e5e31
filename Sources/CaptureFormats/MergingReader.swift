/// Several capture files read as one, packets merged in timestamp order (mergecap's
/// rule). Ties and packets without timestamps keep file order.
public struct MergingReader {
    public private(set) var readers: [CaptureReader]
    /// The next record of each reader not yet handed out; valid because each reader's
    /// buffer only moves when that reader is advanced.
    private var heads: [PacketRecord?]
    private var primed = false
    private var lastTaken = -1

    public init(_ readers: [CaptureReader]) {
        self.readers = readers
        heads = Array(repeating: nil, count: readers.count)
    }

    /// The next packet and the index of the reader it came from.
    public mutating func next() -> (input: Int, record: PacketRecord)? {
        if readers.count == 1 {
            guard let r = readers[0].next() else { return nil }
            return (0, r)
        }
        if !primed {
            for i in readers.indices { heads[i] = readers[i].next() }
            primed = true
        } else if lastTaken >= 0 {
            heads[lastTaken] = readers[lastTaken].next()
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
