import Dissectors

/// The search-path detector's pending NXDOMAIN attempts by client, in dense arrays behind
/// `TaggedSlots` on a seeded cheap hash of the address. Looked up on every DNS answer while
/// any client has attempts pending (on a busy node, always): a `Dictionary` hashed the
/// address through SipHash each time (measured: 5% of the DNS thread on the standard
/// workload). A client's number is stable until the next removal (removal moves the last
/// client into the hole).
struct AttemptsByClient {
    typealias Attempt = SearchPathDetector.Attempt

    private var clients: [IPAddress] = []
    private var attempts: [[Attempt]] = []
    private var index = TaggedSlots()
    /// Per table and process: a capture cannot be crafted to collide.
    private let seed = UInt64.random(in: .min ... .max)

    var count: Int { clients.count }
    var isEmpty: Bool { clients.isEmpty }

    @inline(__always)
    private func tag(_ client: IPAddress) -> UInt32 { UInt32(truncatingIfNeeded: client.groupHash(seed: seed) >> 32) }

    /// The client's number, if it has attempts pending.
    func index(of client: IPAddress) -> Int? { index.find(tag(client)) { clients[$0] == client }.entry }

    /// A client with no attempts pending yet, and its first.
    mutating func add(_ client: IPAddress, _ first: Attempt) {
        let t = tag(client)
        let found = index.find(t) { clients[$0] == client }
        if let i = found.entry {
            attempts[i].append(first)
            return
        }
        clients.append(client)
        attempts.append([first])
        index.insert(t, clients.count - 1, emptySlot: found.emptySlot)
    }

    /// The attempts of client number `i`, in the order they came.
    subscript(i: Int) -> [Attempt] {
        get { attempts[i] }
        _modify { yield &attempts[i] }
    }

    /// Removes client number `i`; the last client takes its number.
    mutating func remove(at i: Int) {
        index.remove(tag(clients[i]), i)
        let last = clients.count - 1
        if i != last {
            index.renumber(tag(clients[last]), last, to: i)
            clients.swapAt(i, last)
            attempts.swapAt(i, last)
        }
        clients.removeLast()
        attempts.removeLast()
    }
}
