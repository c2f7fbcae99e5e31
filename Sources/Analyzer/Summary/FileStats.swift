import CaptureFormats

/// Counters for one input file, over every record it holds (before any filter).
struct FileStats {
    var packets = 0
    var bytes = 0
    var capturedBytes = 0
    var snaplenCut = 0
    var first: Timestamp?
    var last: Timestamp?
    /// Extremes of the timestamps seen; meaningful once `timestamped` > 0.
    private var low = Timestamp(seconds: .max, nanoseconds: 0)
    private var high = Timestamp(seconds: .min, nanoseconds: 0)
    private var timestamped = 0
    /// Packets per global interface index beyond interface 0 (pcap files have only 0).
    private var interfaceZero = 0
    private var otherInterfaces: [Int] = []

    var earliest: Timestamp? { timestamped > 0 ? low : nil }
    var latest: Timestamp? { timestamped > 0 ? high : nil }

    func packets(onInterface i: Int) -> Int {
        i == 0 ? interfaceZero : (i - 1 < otherInterfaces.count ? otherInterfaces[i - 1] : 0)
    }

    @inline(__always)
    mutating func count(_ record: PacketRecord) {
        if packets == 0 { first = record.timestamp }
        packets += 1
        bytes &+= record.originalLength
        capturedBytes &+= record.capturedLength
        if record.capturedLength < record.originalLength { snaplenCut += 1 }
        last = record.timestamp
        if let t = record.timestamp {
            timestamped += 1
            if t < low { low = t }
            if high < t { high = t }
        }
        if record.interface == 0 {
            interfaceZero += 1
        } else {
            if record.interface > otherInterfaces.count {
                otherInterfaces.append(contentsOf: repeatElement(0, count: record.interface - otherInterfaces.count))
            }
            otherInterfaces[record.interface - 1] += 1
        }
    }
}
