/// How the watches read in full ended (`APIRequestRow.watchEnd`), counted over all of them.
public struct APIWatchEnds: Codable, Sendable, Equatable {
    /// An ERROR event with code 410 (resourceVersion too old): the client must list again.
    public var expired = 0
    /// The server ended the stream (its request timeout).
    public var closed = 0
    public var reset = 0
    /// Still open when the capture ended.
    public var captureEnd = 0
    public init() {}
}

/// The most API-server errors (resets, fatal alerts, failed handshakes, requests without a
/// response, 5xx; not 429s, which are throttling) within any 10 seconds of the capture, and
/// when that window began.
public struct APIErrorBurst: Codable, Sendable, Equatable {
    public var errors = 0
    /// Seconds since the epoch; null without errors.
    @Null public var start: Double?
    public init() {}
}
