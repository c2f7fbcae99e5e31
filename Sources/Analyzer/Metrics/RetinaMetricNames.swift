/// Retina's node-level and advanced series that Retina's standard dashboards read
/// (`networkobservability_` + microsoft/retina's `pkg/utils/metric_names.go` at 532c5aa), with
/// the label values the dashboards filter on. Where Retina's source and its dashboards differ
/// (the flag series is `tcp_flag_gauges` in the source, `tcp_flag_counters` in the
/// dashboards; flags and statistic names are lower case in the dashboards), the dashboards'
/// spelling is written: they are what reads the series. `docs/reference.md` lists each
/// series, what in a capture fills it, and the dashboard panels a capture cannot fill.
extension MetricNames {
    static let forwardCount = (
        "networkobservability_forward_count", "Packets forwarded by direction at the node (Retina basic metric)"
    )
    static let forwardBytes = (
        "networkobservability_forward_bytes", "Bytes forwarded by direction at the node (Retina basic metric)"
    )
    static let advForwardCount = (
        "networkobservability_adv_forward_count",
        "Packets forwarded by direction and by the pods at both ends (Retina advanced metric)"
    )
    static let advForwardBytes = (
        "networkobservability_adv_forward_bytes",
        "Bytes forwarded by direction and by the pods at both ends (Retina advanced metric)"
    )
    static let dropCount = (
        "networkobservability_drop_count", "Packets the kernel dropped, by reason and direction (Retina basic metric)"
    )
    static let dropBytes = (
        "networkobservability_drop_bytes", "Bytes the kernel dropped, by reason and direction (Retina basic metric)"
    )
    static let advDropCount = (
        "networkobservability_adv_drop_count",
        "Packets the kernel dropped, by reason, direction and the pods at both ends (Retina advanced metric)"
    )
    static let advDropBytes = (
        "networkobservability_adv_drop_bytes",
        "Bytes the kernel dropped, by reason, direction and the pods at both ends (Retina advanced metric)"
    )
    static let tcpState = (
        "networkobservability_tcp_state",
        "TCP connections by state at the end of each step, from the wire: SYN_SENT until answered, then ESTABLISHED until closed (Retina basic metric)"
    )
    static let tcpConnectionRemote = (
        "networkobservability_tcp_connection_remote",
        "Open TCP connections by the address of their end off the node (the server when both or neither are on it) (Retina basic metric)"
    )
    static let tcpConnectionStats = (
        "networkobservability_tcp_connection_stats",
        "TCP events on the wire: resetcount (connections reset), tcptimeouts (retransmissions other than fast ones), tcptsreorder (out-of-order segments) (Retina basic metric)"
    )
    static let tcpFlags = ("networkobservability_tcp_flag_counters", "TCP packets by flag and direction (Retina basic metric)")
    static let udpConnectionStats = (
        "networkobservability_udp_connection_stats",
        "UDP flows open at the end of each step (from their first packet to their last; DNS over UDP, counted apart, not included) (Retina basic metric)"
    )
    static let interfaceStats = (
        "networkobservability_interface_stats",
        "Packets received (rx_packets) and sent (tx_packets) at each capture interface, as the capture saw them (Retina basic metric)"
    )
    static let dnsRequestsBasic = (
        "networkobservability_dns_request_count", "DNS requests by query type and query (Retina basic metric)"
    )
    static let dnsResponsesBasic = (
        "networkobservability_dns_response_count",
        "DNS responses by return code, query type, query and answer count (Retina basic metric)"
    )

    /// The `statistic_name` values of `tcpConnectionStats`.
    static let resetCount = "resetcount", tcpTimeouts = "tcptimeouts", tcpTSReorder = "tcptsreorder"
}
