import Dissectors

/// Why a handshake failed: one kind per connection, the first that applies in this order
/// (so a reset that follows a fatal alert is counted as the alert).
enum TLSFailure: String, CaseIterable {
    case versionMismatch, noCommonParameters, alert, resetAfterClientHello, noServerHello, closedDuringHandshake

    /// Nil for a handshake that finished, for a connection without a ClientHello (picked up
    /// mid-stream), and for one whose capture ended after the ServerHello (not known to fail).
    static func of(_ s: TLSSession) -> TLSFailure? {
        guard s.clientHelloTime != nil else { return nil }
        let done = s.handshakeDone
        if let fatal = s.alerts.first(where: { $0.alert.isFatal && $0.time <= (done ?? .max) }) {
            switch fatal.alert.description {
            case 70: return .versionMismatch
            case 40,
                71 where s.firstServerHello == nil:
                return .noCommonParameters
            default: return .alert
            }
        }
        if done != nil { return nil }
        if s.resetTime != nil { return .resetAfterClientHello }
        if s.firstServerHello == nil { return .noServerHello }
        return s.finSeen ? .closedDuringHandshake : nil
    }
}
