import CaptureFormats

/// Counters for one input file, over every record it holds (before any filter).
struct FileStats {
    var packets = 0
    var bytes = 0
    var capturedBytes = 0
    var snaplenCut = 0
    var first: Timestamp?
    var last: Timestamp?
    var sawFirst = false
    var earliest: Timestamp?
    var latest: Timestamp?
    /// Packets per global interface index.
    var perInterface: [Int] = []

    @inline(__always)
    mutating func count(_ record: PacketRecord) {
        packets += 1
        bytes &+= record.originalLength
        capturedBytes &+= record.capturedLength
        if record.capturedLength < record.originalLength { snaplenCut += 1 }
        if !sawFirst {
            sawFirst = true
            first = record.timestamp
        }
        last = record.timestamp
        if let t = record.timestamp {
            if earliest.map({ t < $0 }) ?? true { earliest = t }
            if latest.map({ $0 < t }) ?? true { latest = t }
        }
        if record.interface >= perInterface.count {
            perInterface.append(contentsOf: repeatElement(0, count: record.interface + 1 - perInterface.count))
        }
        perInterface[record.interface] += 1
    }
}
