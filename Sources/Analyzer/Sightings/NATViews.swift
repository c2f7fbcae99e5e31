import Dissectors

/// Flows seen in two views, before and after NAT, joined: the view first seen is the one
/// analysed; a later view's packets are given its endpoints. Learned from a packet seen in
/// both views (`Sightings`): one endpoint is the same, the other was rewritten (DNAT to a
/// Service backend: the destination; SNAT to the node: the source).
///
/// Bound: `limit` flows joined; past it new views are not joined (counted in `unjoined`,
/// said in a warning): their packets are then analysed as a conversation of their own.
struct NATViews {
    static let limit = 16_384

    /// In a later view's flow, the rewritten endpoint and the first view's.
    struct Substitution {
        var address: IPAddress
        var port: UInt16
        var original: IPAddress
        var originalPort: UInt16
    }

    private var views: [FlowKey: Substitution] = [:]
    private(set) var unjoined = 0

    var isEmpty: Bool { views.isEmpty }
    /// Flows whose NAT views were joined.
    var joined: Int { views.count }

    /// A packet of the frame's flow was first seen as `first`: when one endpoint differs, the
    /// frame's flow is that flow in another view.
    mutating func learn(_ frame: borrowing DecodedFrame, analysedAs first: SightingTable.Slot) {
        let sp = frame.hasPorts ? frame.sourcePort : 0, dp = frame.hasPorts ? frame.destinationPort : 0
        let sameSource = frame.source == first.source && sp == first.sourcePort
        let sameDestination = frame.destination == first.destination && dp == first.destinationPort
        guard sameSource != sameDestination else { return }  // the same view, or not one packet
        let (key, _) = FlowKey.of(frame)
        guard views[key] == nil else { return }
        guard views.count < Self.limit else { unjoined += 1; return }
        views[key] =
            sameSource
            ? Substitution(address: frame.destination, port: dp, original: first.destination, originalPort: first.destinationPort)
            : Substitution(address: frame.source, port: sp, original: first.source, originalPort: first.sourcePort)
    }

    /// A frame of a flow seen in a later view: given the first view's endpoint.
    @inline(__always)
    func rewrite(_ frame: inout DecodedFrame) {
        guard let s = views[FlowKey.of(frame).key] else { return }
        if frame.destination == s.address && (!frame.hasPorts || frame.destinationPort == s.port) {
            frame.destination = s.original
            if frame.hasPorts { frame.destinationPort = s.originalPort }
        } else if frame.source == s.address && (!frame.hasPorts || frame.sourcePort == s.port) {
            frame.source = s.original
            if frame.hasPorts { frame.sourcePort = s.originalPort }
        }
    }
}
