import CaptureFormats
import Dissectors

/// What a conversation update needs from one packet.
///
/// (A two-packet prefetch pipeline in front of the flow table was measured on the
/// standard workload: ~100 more instructions a packet and no gain in wall time on this
/// machine, so updates are applied at once. `FlowTable.prefetchSlot` stays for analyses
/// with more work per packet between lookups.)
struct FlowWork {
    var key: FlowKey
    var fromLow: Bool
    var isTCP: Bool
    var flags: TCP.Flags
    var length: Int
    var time: Int64
    var clock: Int64
    var timestamp: Timestamp?
}
