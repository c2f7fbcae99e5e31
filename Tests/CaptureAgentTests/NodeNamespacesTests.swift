@testable import CaptureAgent
import Foundation
import Testing

/// The agent's own network namespaces (`NodeNamespaces`): the kernel's answer to which number
/// it gives a namespace is read from crafted replies, and the live lookup finds the agent's
/// own namespace. Two agents on one kernel: `AgentKernelEventsTests.twoAgentsKeepTheirOwnNamespaces`.
struct NodeNamespacesTests {
    /// An RTM_NEWNSID reply: nlmsghdr, rtgenmsg padded to 4, then `attributes` (type, payload).
    static func reply(type: UInt16 = 88, sequence: UInt32 = 7, _ attributes: [(UInt16, [UInt8])]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 20)
        for (t, payload) in attributes {
            let size = 4 + payload.count
            out += [UInt8(size & 0xFF), UInt8(size >> 8), UInt8(t & 0xFF), UInt8(t >> 8)] + payload
            out += [UInt8](repeating: 0, count: (4 - size % 4) % 4)
        }
        func put(_ v: UInt32, _ at: Int) { for i in 0..<4 { out[at + i] = UInt8(truncatingIfNeeded: v >> (8 * UInt32(i))) } }
        put(UInt32(out.count), 0)
        out[4] = UInt8(type & 0xFF)
        out[5] = UInt8(type >> 8)
        put(sequence, 8)
        return out
    }

    @Test func readsTheNamespaceNumber() {
        let id: [UInt8] = [3, 0, 0, 0]
        #expect(NamespaceIDQuery.namespaceID(in: Self.reply([(1, id)]), sequence: 7) == 3)
        // After another attribute, and with the nested-attribute flag bits set.
        #expect(NamespaceIDQuery.namespaceID(in: Self.reply([(2, [9, 9, 9, 9, 9]), (0x8001, id)]), sequence: 7) == 3)
        // Not assigned (-1), another request's reply, an error message, no attribute.
        #expect(NamespaceIDQuery.namespaceID(in: Self.reply([(1, [0xFF, 0xFF, 0xFF, 0xFF])]), sequence: 7) == nil)
        #expect(NamespaceIDQuery.namespaceID(in: Self.reply([(1, id)]), sequence: 8) == nil)
        #expect(NamespaceIDQuery.namespaceID(in: Self.reply(type: 2, [(1, id)]), sequence: 7) == nil)
        #expect(NamespaceIDQuery.namespaceID(in: Self.reply([]), sequence: 7) == nil)
        // Cut short: a length past the bytes, an attribute past the message, too few bytes.
        var cut = Self.reply([(1, id)])
        cut.removeLast(2)
        #expect(NamespaceIDQuery.namespaceID(in: cut, sequence: 7) == nil)
        var lying = Self.reply([(1, id)])
        lying[20] = 200
        #expect(NamespaceIDQuery.namespaceID(in: lying, sequence: 7) == nil)
        #expect(NamespaceIDQuery.namespaceID(in: [1, 2, 3], sequence: 7) == nil)
    }

    @Test func keepsItsOwnNamespaceAndUnknownOnes() throws {
        let own = try #require(NodeNamespaces.inode("/proc/self/ns/net"))
        let n = NodeNamespaces()
        #expect(n.keeps(own) && n.keeps(0))
        #expect(!n.keeps(1) && n.leftOut == 1, "inode 1 is no network namespace")
    }

    /// The bound: past `maximumNamespaces` namespaces (over every look, not each), the rest
    /// are left out; no number is asked when no link leads into another namespace, nor twice
    /// for a namespace already kept.
    @Test func keepsAtMostTheBound() {
        let n = NodeNamespaces(scan: false)
        var asked = 0
        func candidates(_ inodes: Range<UInt32>) -> [(UInt32, () -> Int32?)] {
            inodes.map { inode in
                (
                    inode,
                    {
                        asked += 1; return Int32(inode % 7)
                    }
                )
            }
        }
        n.record(mine: 1, peers: [], candidates: candidates(100..<200))
        #expect(asked == 0 && n.own == [1])
        let total = NodeNamespaces.maximumNamespaces + 1_000
        n.record(mine: 1, peers: Set(0..<7), candidates: candidates(100..<UInt32(100 + total)))
        #expect(n.own.count == NodeNamespaces.maximumNamespaces)
        #expect(asked == NodeNamespaces.maximumNamespaces - 1)
        // A later look finds more: still the bound, and no kept namespace asked again.
        asked = 0
        n.record(mine: 1, peers: Set(0..<7), candidates: candidates(100..<UInt32(200 + total)))
        #expect(n.own.count == NodeNamespaces.maximumNamespaces && asked == 0)
        // Within the rescan interval, an unknown namespace is left out without a look.
        #expect(!n.keeps(UInt32(150 + total)) && n.leftOut == 1)
        // Only namespaces whose number a link names are kept; a look again asks only the others.
        let m = NodeNamespaces(scan: false)
        m.record(mine: 1, peers: [3], candidates: candidates(100..<200))
        let kept = Set<UInt32>([1] + (100..<200).filter { $0 % 7 == 3 })
        #expect(m.own == kept)
        asked = 0
        m.record(mine: 1, peers: [3], candidates: candidates(100..<200))
        #expect(m.own == kept && asked == 100 - (kept.count - 1))
    }
}
