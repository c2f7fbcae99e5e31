import Bundles

extension CapturePass.Options {
    /// A pass that finds flows as the report's does (the same filter, flow limits,
    /// observation points and pod selection, so flows, their ids and their points are the
    /// report's) and runs no analysis but the plug-ins then set in `analyses`: the extra
    /// passes of `loupe extract` and of the HTML report's time-sequence graphs.
    static func flowsOnly(
        filter: String?, flowLimits: FlowLimits, samePoint: Bool, pods: PodDirectory?,
        podFilter: PodFilter
    ) -> Self {
        var o = CapturePass.Options()
        o.filter = filter
        o.rows = 0
        o.listConversations = false
        o.protocolHierarchy = false
        o.flowLimits = flowLimits
        o.samePoint = samePoint
        o.pods = pods
        o.podFilter = podFilter
        o.dnsThread = false
        return o
    }
}
