import Dissectors
import CaptureFormats
import Foundation

/// Where packets were seen: a node and an interface on it. The node is named by the capture
/// file (its name without directories, extensions or a rotation number: `node-1.pcap0` and
/// `node-1.pcap1` are one node); the interface by the pcapng interface block's name, else
/// `if<n>` (the file's n-th interface; pcap files have one), and inside a Linux cooked v2
/// capture by the interface its header's index names in the bundle's interface table
/// (`CaptureOrigin`), else `if<index>` (the names are the node's, not in the file).
///
/// Bound: the points are those the inputs' interface blocks and cooked headers name; past
/// `maximumPoints` the rest share the last one (said in a warning).
struct ObservationPoints {
    struct Point: Hashable {
        var node: String
        var interface: String
        var id: String { node + ":" + interface }
    }

    static let maximumPoints = 4096

    private(set) var points: [Point] = []
    /// Sightings per point (every IP packet at it, copies included).
    var sightings: [Int] {
        var all = counted
        if lastPoint < all.count { all[lastPoint] += lastCount }
        return all
    }
    /// Counted per point but for the current point's run, kept apart in `lastCount` (one
    /// add per packet, no array write).
    private var counted: [Int] = []
    private var lastCount = 0
    private(set) var overflowed = 0
    private var byPoint: [Point: Int] = [:]
    private var byRecord: [RecordPlace: Int] = [:]
    private var last = RecordPlace(input: -1, interface: -1, linkInterface: -1)
    private var lastPoint = 0
    /// Each input's node: its bundle's, else its file's name; an input that follows another
    /// (`begin`) takes that one's.
    private var nodes: [String]
    /// Inputs already followed by another (a rotation chain has one successor each).
    private var followed: Set<Int> = []
    /// Nodes in the order their first point appeared, and each point's node there.
    private(set) var nodeNames: [String] = []
    private(set) var nodeOfPoint: [Int] = []
    private var nodeIndex: [String: Int] = [:]

    private struct RecordPlace: Hashable {
        var input: Int
        var interface: Int
        var linkInterface: Int32
    }

    /// `samePoint` (`--same-point`): every record is point 0, named by the first input's node
    /// and "merged" (a mergecap-like merge: copies across inputs are capture duplicates).
    /// `origins`: per input, the node and interface names its bundle gives (`CaptureOrigin`).
    init(paths: [String], samePoint: Bool = false, origins: [CaptureOrigin] = []) {
        nodes = Self.initialNodes(paths: paths, origins: origins)
        interfaceNames = paths.indices.map { i in i < origins.count ? origins[i].interfaces : [:] }
        for o in origins where !o.podAddresses.isEmpty {
            if let node = o.node { for (name, addresses) in o.podAddresses { podAddresses[node + ":" + name] = addresses } }
        }
        self.samePoint = samePoint
    }

    /// By point id ("node:interface"), the addresses of the pod behind a veth, as the node's
    /// agent read them (`CaptureOrigin.podAddresses`).
    private(set) var podAddresses: [String: [IPAddress]] = [:]

    /// Per input, its node's interfaces by index (names a cooked v2 header's index).
    private var interfaceNames: [[Int32: String]]

    /// The first record of `input` is read; `finished` are the inputs whose records ran out
    /// before it, in that order. An input that begins after another ended is that capture's
    /// next file (a rotation: tcpdump -C/-W, Retina's `.pcap0`..`N`, or any files that follow
    /// one another): it continues the last one to end that no other continues yet, and is on
    /// its node. Inputs whose times overlap are separate points, a node each.
    mutating func begin(input: Int, after finished: [Int]) {
        guard input < nodes.count, let previous = finished.last(where: { !followed.contains($0) && $0 < nodes.count })
        else { return }
        followed.insert(previous)
        nodes[input] = nodes[previous]
        if interfaceNames[input].isEmpty { interfaceNames[input] = interfaceNames[previous] }
    }

    let samePoint: Bool

    /// The point of a record of `input` (its interface, and a cooked v2 header's index).
    @inline(__always)
    mutating func point(input: Int, interface: Int, linkInterface: Int32, name: () -> String?) -> Int {
        let place =
            samePoint
            ? RecordPlace(input: 0, interface: -1, linkInterface: -1)
            : RecordPlace(input: input, interface: interface, linkInterface: linkInterface)
        if place != last {
            if lastPoint < counted.count { counted[lastPoint] += lastCount }
            lastCount = 0
            last = place
            lastPoint = known(place) ?? register(place, name())
        }
        lastCount += 1
        return lastPoint
    }

    /// The point a record of `input` was counted at (as `point` found it), without counting;
    /// nil when no record of that place was seen.
    func find(input: Int, interface: Int, linkInterface: Int32) -> Int? {
        byRecord[
            samePoint
                ? RecordPlace(input: 0, interface: -1, linkInterface: -1)
                : RecordPlace(input: input, interface: interface, linkInterface: linkInterface)]
    }

    /// The point of a place seen before: by input and interface block from a small table (a
    /// file of several interfaces changes place nearly every record; a dictionary lookup
    /// each time was measurable), by the dictionary for cooked v2 indexes.
    @inline(__always)
    private func known(_ place: RecordPlace) -> Int? {
        if place.linkInterface < 0, place.input < byInterface.count, place.interface >= 0,
            place.interface < byInterface[place.input].count
        {
            let p = byInterface[place.input][place.interface]
            return p >= 0 ? p : nil
        }
        return byRecord[place]
    }

    /// Per input, per interface block: its point (-1: not seen yet).
    private var byInterface: [[Int]] = []

    private mutating func register(_ place: RecordPlace, _ name: String?) -> Int {
        let interface =
            samePoint
            ? "merged"
            : place.linkInterface >= 0
                ? interfaceNames[place.input][place.linkInterface] ?? "if\(place.linkInterface)"
                : name ?? "if\(place.interface)"
        let point = Point(node: nodes[place.input], interface: interface)
        let index: Int
        if let known = byPoint[point] {
            index = known
        } else if points.count < Self.maximumPoints {
            index = points.count
            points.append(point)
            counted.append(0)
            byPoint[point] = index
            if let n = nodeIndex[point.node] {
                nodeOfPoint.append(n)
            } else {
                nodeIndex[point.node] = nodeNames.count
                nodeOfPoint.append(nodeNames.count)
                nodeNames.append(point.node)
            }
        } else {
            overflowed += 1
            index = points.count - 1
        }
        byRecord[place] = index
        if place.linkInterface < 0, place.interface >= 0, place.interface < 1 << 16 {
            if place.input >= byInterface.count {
                byInterface += Array(repeating: [], count: place.input + 1 - byInterface.count)
            }
            if place.interface >= byInterface[place.input].count {
                byInterface[place.input] += Array(repeating: -1, count: place.interface + 1 - byInterface[place.input].count)
            }
            byInterface[place.input][place.interface] = index
        }
        return index
    }

    /// Each input's node before any is read: its bundle's, else its file's name.
    static func initialNodes(paths: [String], origins: [CaptureOrigin]) -> [String] {
        paths.enumerated().map { i, path in (i < origins.count ? origins[i].node : nil) ?? nodeName(path) }
    }

    /// A capture file's node: its name without directories, compression and capture
    /// extensions, and a rotation number (`.pcap0`, tcpdump -C's `.pcap1`).
    static func nodeName(_ path: String) -> String {
        var name = (path as NSString).lastPathComponent
        for ext in [".gz", ".zst", ".zstd"] where name.hasSuffix(ext) { name.removeLast(ext.count) }
        for ext in [".pcapng", ".pcap", ".cap"] {
            if let r = name.range(of: ext, options: .backwards),
                name[r.upperBound...].allSatisfy(\.isNumber)
            {
                name = String(name[..<r.lowerBound])
                break
            }
        }
        return name.isEmpty ? "capture" : name
    }
}
