/// Corpus captures holding the capture's own duplicates: the same bytes at the same point
/// within `Sightings.duplicateWindow` (50 µs). tshark counts each copy; Loupe counts the
/// packet once and the copy in `sightings.captureDuplicates` (issue 25: "copies at the same
/// point within less than the connection's minimum RTT are capture duplicates"). The oracle
/// tests take these copies off tshark's counts; each entry says where they are.
enum CorpusCaptureDuplicates {
    struct Copies {
        var packets: Int
        /// The TCP stream the copies belong to ("client server" as the oracle names it), and
        /// their wire bytes; nil when they are not TCP.
        var tcpStream: String?
        var tcpBytes = 0
        /// Copies that are malformed frames.
        var malformed = 0
        var why: String
    }

    static let captures: [String: Copies] = [
        "pcapplusplus/tcp-malformed.pcap": Copies(
            packets: 1, tcpStream: "172.19.42.74:49671 87.240.131.240:25014", tcpBytes: 60, malformed: 1,
            why: "frames 1 and 2: the same 60 bytes (IP ID 0x0958, TTL 128) 4 µs apart"),
        "pcapplusplus/raw_ip.pcap": Copies(
            packets: 1, why: "frames 67 and 68: the same DHCP broadcast (IP ID 0x69d8) at the same microsecond"),
    ]
}
