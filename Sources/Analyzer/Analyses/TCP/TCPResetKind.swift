/// How a connection's first RST came. Only `refused` and `aborted*` are failures: the others
/// are how healthy connections end or were already gone (the findings count only failures).
///
/// - `refused`: a RST answering a SYN (Zeek's REJ).
/// - `abortedByClient`, `abortedByServer`: mid-transfer, with data outstanding either way
///   (sent and not acknowledged, or received and not read).
/// - `afterClose`: a FIN was already sent or received and the RST's sender had nothing of
///   its own outstanding: the benign pattern of a client that closes after its last response
///   and whose kernel answers the server's late TLS close_notify with a RST.
/// - `idle`: nothing outstanding either way and no FIN (a pooled connection closed with
///   SO_LINGER 0).
/// - `halfOpen`: the sender had sent nothing before (it does not know the connection: a
///   peer restarted, or state lost).
enum TCPResetKind: UInt8, CaseIterable {
    case refused, abortedByClient, abortedByServer, afterClose, idle, halfOpen

    /// The case's name, as the JSON spells it.
    var name: String { String(describing: self) }

    /// The connection failed: refused or aborted with data in flight.
    var isFailure: Bool { self == .refused || self == .abortedByClient || self == .abortedByServer }

    /// The kind of a RST from one side, from the state before it: `zeek` (endpoint states,
    /// data sent) and the sender's and its peer's sequence state.
    static func classify(
        fromOriginator: Bool, zeek: ZeekConnState, sender: TCPDirection,
        peer: TCPDirection
    ) -> TCPResetKind {
        let me = fromOriginator ? zeek.originator : zeek.responder
        let other = fromOriginator ? zeek.responder : zeek.originator
        if other == .synSent && (me == .inactive || me == .reset) { return .refused }
        let sentData = fromOriginator ? zeek.originatorSentData : zeek.responderSentData
        let peerSentData = fromOriginator ? zeek.responderSentData : zeek.originatorSentData
        if me == .inactive { return .halfOpen }
        let mine = outstanding(sender, acknowledgedBy: peer, sentData: sentData, finSent: me == .closed)
        if (me == .closed || other == .closed) && !mine { return .afterClose }
        let theirs = outstanding(peer, acknowledgedBy: sender, sentData: peerSentData, finSent: other == .closed)
        if mine || theirs { return fromOriginator ? .abortedByClient : .abortedByServer }
        return .idle
    }

    /// Data `from` sent that `to` has not acknowledged (a FIN counts one sequence number, not
    /// data). With no ACK seen from `to`, whatever `from` sent.
    static func outstanding(
        _ from: TCPDirection, acknowledgedBy to: TCPDirection, sentData: Bool,
        finSent: Bool
    ) -> Bool {
        guard sentData, from.nextSequence != 0 else { return false }
        guard to.lastAck != 0 else { return true }
        return Int32(bitPattern: from.nextSequence &- to.lastAck) > (finSent ? 1 : 0)
    }
}
