/// Connection state in Zeek's vocabulary (conn.log `conn_state` and `history`), so analysts
/// read Loupe's TCP rows the way they read Zeek's. Endpoint states follow Zeek's TCP
/// analyzer; `connState` is Zeek's `conn_state()` decision table.
struct ZeekConnState {
    enum Endpoint: UInt8 { case inactive, synSent, synAckSent, partial, established, closed, reset }

    var originator = Endpoint.inactive
    var responder = Endpoint.inactive
    var originatorSentData = false
    var responderSentData = false
    /// How the first RST came (nil: none).
    var resetKind: TCPResetKind?
    /// Zeek's history letters, uppercase for the originator. Bounded: each letter once,
    /// retransmission (T) and zero-window (W) letters again at 10, 100, 1000 occurrences.
    private(set) var history = ""
    /// Letters already written: bit (letter - "A"), plus 32 for the responder.
    private var seenLetters: UInt64 = 0
    /// Retransmissions and zero windows so far: originator, responder.
    private var retransmissionCount: (UInt32, UInt32) = (0, 0)
    private var zeroWindowCount: (UInt32, UInt32) = (0, 0)

    mutating func update(
        fromOriginator: Bool, syn: Bool, ack: Bool, fin: Bool, rst: Bool, payload: Int,
        retransmission: Bool, zeroWindow: Bool
    ) {
        var me = fromOriginator ? originator : responder
        var peer = fromOriginator ? responder : originator
        if rst {
            me = .reset
        } else if fin {
            if me != .reset { me = .closed }
        } else if syn {
            if me == .inactive || me == .synSent || me == .synAckSent { me = ack ? .synAckSent : .synSent }
        } else {
            switch me {
            case .inactive: me = .partial
            case .synSent,
                .synAckSent where ack:
                me = .established
            default: break
            }
            // The originator's ACK completes the handshake for the responder too.
            if ack && peer == .synAckSent { peer = .established }
        }
        if fromOriginator { originator = me; responder = peer } else { responder = me; originator = peer }
        if payload > 0 { if fromOriginator { originatorSentData = true } else { responderSentData = true } }

        if syn && !ack { note("S", fromOriginator) }
        if syn && ack { note("H", fromOriginator) }
        if !syn && ack && payload == 0 && !fin && !rst { note("A", fromOriginator) }
        if payload > 0 { note("D", fromOriginator) }
        if fin { note("F", fromOriginator) }
        if rst { note("R", fromOriginator) }
        // Zeek's T marks retransmitted payload: a repeated bare FIN or SYN is not one.
        if retransmission && payload > 0 {
            var c = retransmissionCount
            repeated("T", fromOriginator, &c)
            retransmissionCount = c
        }
        if zeroWindow {
            var c = zeroWindowCount
            repeated("W", fromOriginator, &c)
            zeroWindowCount = c
        }
    }

    /// Letters are upper-case ASCII scalars (a `Character`'s `asciiValue` walked its
    /// grapheme on every segment: measured, 2% of the pass thread).
    private mutating func note(_ letter: Unicode.Scalar, _ originator: Bool) {
        let index = UInt64(letter.value &- 65) + (originator ? 0 : 32)
        let bit: UInt64 = 1 << index
        if seenLetters & bit != 0 { return }
        seenLetters |= bit
        append(letter, originator)
    }

    private mutating func repeated(_ letter: Unicode.Scalar, _ originator: Bool, _ counts: inout (UInt32, UInt32)) {
        let n: UInt32
        if originator { counts.0 &+= 1; n = counts.0 } else { counts.1 &+= 1; n = counts.1 }
        if n == 1 || n == 10 || n == 100 || n == 1000 || n == 10000 { append(letter, originator) }
    }

    /// Upper case for the originator, lower case for the responder.
    private mutating func append(_ letter: Unicode.Scalar, _ originator: Bool) {
        history.unicodeScalars.append(originator ? letter : Unicode.Scalar(UInt8(letter.value) | 0x20))
    }

    /// Whether either side's SYN was seen (history letter S or s): the handshake's start, read
    /// from the letters' bits, not by scanning the history text.
    var sawSYN: Bool {
        let s = UInt64(Unicode.Scalar("S").value - 65)
        return seenLetters & (1 << s | 1 << (s + 32)) != 0
    }

    /// Who sent a RST: "client" (the originator), "server", "both", or nil.
    var resetBy: String? {
        switch (originator == .reset, responder == .reset) {
        case (true, true): "both"
        case (true, false): "client"
        case (false, true): "server"
        default: nil
        }
    }

    /// Zeek's conn_state().
    var connState: String {
        let oInactive = originator == .inactive || originator == .partial
        let rInactive = responder == .inactive || responder == .partial
        if responder == .reset {
            if originator == .synSent || originator == .synAckSent
                || (originator == .reset && !originatorSentData && !responderSentData)
            {
                return "REJ"
            }
            return oInactive ? "RSTRH" : "RSTR"
        }
        if originator == .reset {
            // Zeek: RSTOS0 when the history has a SYN; otherwise no rule matches and it is OTH.
            if rInactive { return sawSYN ? "RSTOS0" : "OTH" }
            return "RSTO"
        }
        if responder == .closed && originator == .closed { return "SF" }
        if originator == .closed { return rInactive ? "SH" : "S2" }
        if responder == .closed { return oInactive ? "SHR" : "S3" }
        if originator == .synSent && responder == .inactive { return "S0" }
        if originator == .established && responder == .established { return "S1" }
        return "OTH"
    }
}
