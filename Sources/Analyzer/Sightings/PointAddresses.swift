import Dissectors

/// Which address each observation point's packets share, to name the pod behind a veth: on a
/// pod's own interface every packet has the pod's address at one end. Every `sampleEvery`-th
/// sighting of a point is tallied (its source and destination); per point at most
/// `addressesPerPoint` addresses are counted (later ones are not, the sample still is: a pod's
/// address is in its veth's first packet), on the first `maximumPoints` points.
/// `dominant` is the address found in at least `share` of a point's sampled packets.
struct PointAddresses {
    static let sampleEvery = 8
    static let addressesPerPoint = 16
    static let maximumPoints = 1_024
    static let share = 0.9

    private var tallies: [[IPAddress: Int]] = []
    private var sampled: [Int] = []
    private var countdown = 0

    @inline(__always)
    mutating func saw(point: Int, source: IPAddress, destination: IPAddress) {
        countdown -= 1
        guard countdown <= 0 else { return }
        countdown = Self.sampleEvery
        guard point < Self.maximumPoints else { return }
        if point >= tallies.count {
            tallies += Array(repeating: [:], count: point + 1 - tallies.count)
            sampled += Array(repeating: 0, count: point + 1 - sampled.count)
        }
        sampled[point] += 1
        for a in source == destination ? [source] : [source, destination] {
            if tallies[point][a] != nil || tallies[point].count < Self.addressesPerPoint { tallies[point][a, default: 0] += 1 }
        }
    }

    /// The addresses at least `share` of the point's sampled packets have at one end (none
    /// with fewer than 10 sampled).
    func dominant(_ point: Int) -> [IPAddress] {
        guard point < tallies.count, sampled[point] >= 10 else { return [] }
        let n = Double(sampled[point])
        return tallies[point].filter { Double($0.value) >= Self.share * n }.map(\.key).sorted()
    }

    /// The pod behind each point (by point; nil: none told): a point whose packets share
    /// exactly one pod's address not yet given to another point is that pod's interface.
    /// Repeated until nothing changes, so that two pods talking only to each other are told
    /// apart (their bridge sees both; the client's veth also sees its other peers, and once it
    /// is named, the server's veth has one address left). `podOf` names an address's pod.
    func pods(points: Int, podOf: (IPAddress) -> String?) -> [String?] {
        var named = [String?](repeating: nil, count: points)
        var taken = Set<IPAddress>()
        let candidates = (0..<points).map { dominant($0).filter { podOf($0) != nil } }
        var changed = true
        while changed {
            changed = false
            for p in 0..<points where named[p] == nil {
                let left = candidates[p].filter { !taken.contains($0) }
                guard left.count == 1 else { continue }
                named[p] = podOf(left[0])
                taken.insert(left[0])
                changed = true
            }
        }
        return named
    }
}
