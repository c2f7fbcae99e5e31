@testable import Bundles
@testable import CaptureFormats
import Testing

/// A Retina capture's node: its name out of `<capture>-<node>-<time>UTC`, its addresses out of
/// the `ip -d -j addr show` output in ip-resources.txt.
struct RetinaCaptureTests {
    @Test func nodeNames() {
        let stem = "retina-capture-aks-nodepool1-41844487-vmss000000-20261126150000UTC"
        #expect(RetinaCapture.nodeName(stem: stem, knownNodes: []) == "aks-nodepool1-41844487-vmss000000")
        // A capture name of the user's own: only metadata can tell where the node's name starts.
        #expect(RetinaCapture.nodeName(stem: "slow-dns-node-a-20261126150000UTC", knownNodes: ["node-a", "a"]) == "node-a")
        #expect(RetinaCapture.nodeName(stem: "slow-dns-node-a-20261126150000UTC", knownNodes: []) == "slow-dns-node-a")
        #expect(RetinaCapture.nodeName(stem: "no-time-here", knownNodes: []) == "no-time-here")
    }

    @Test func addresses() {
        let text = """
            Summary:

            /usr/sbin/ip -d -j addr show(IP address configuration)

            Execute:

            /usr/sbin/ip -d -j addr show

            [{"ifname":"lo","addr_info":[{"family":"inet","local":"127.0.0.1","scope":"host"}]},{"ifname":"eth0","addr_info":[{"family":"inet","local":"10.224.0.4","scope":"global"},{"family":"inet6","local":"fd00::4","scope":"global"},{"family":"inet6","local":"fe80::1","scope":"link"}]}]
            /usr/sbin/ip -d -j neighbor show

            [{"dst":"10.224.0.9","dev":"eth0"}]
            """
        #expect(RetinaCapture.addresses(text) == ["10.224.0.4", "fd00::4"])
        #expect(RetinaCapture.addresses("[{not json") == [])
    }
}
