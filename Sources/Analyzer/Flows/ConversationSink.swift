/// Where every finished flow goes, whichever table held it: the conversation list, and with
/// cluster metadata the attribution counts and the service-to-backend pairs. The pass's own
/// flow table and the DNS conversations' (`DNSConversations`) each have one; the second is
/// merged into the first when the pass ends.
struct ConversationSink {
    var conversations: TopK<Flow>
    var attribution: AttributionCounter?
    var natPairs: ServiceNATPairs?

    /// Counts a finished flow; returns its owners when there is cluster metadata.
    @discardableResult
    mutating func finished(_ flow: Flow) -> FlowOwners? {
        conversations.offer(flow)
        let owners = attribution?.flowFinished(flow)
        if let owners, natPairs != nil { natPairs!.flowFinished(flow, owners) }
        return owners
    }

    /// Adds another table's finished flows: the same lists and counts as one table would
    /// have kept (see each part's `merge` for the one order-dependent case).
    mutating func merge(_ other: ConversationSink) {
        conversations.merge(other.conversations)
        if let a = other.attribution { attribution?.merge(a) }
        if let n = other.natPairs { natPairs?.merge(n) }
    }
}
