import Foundation

/// What got worse and what got better between two reports: latency percentiles, shares and
/// rates, overall and per pod, each counted only past both a relative threshold and an
/// absolute floor (so noise in a few samples is not a regression). Counts that grow with
/// traffic volume are compared as shares of it.
public enum ReportDiff {
    public struct Thresholds: Sendable {
        /// Relative change that matters (0.2: 20% of the base value).
        public var relative = 0.2
        /// Smallest latency change that matters, seconds.
        public var latency = 0.001
        /// Smallest change of a share that matters (0.005: half a percentage point).
        public var share = 0.005
        public init() {}
    }

    public enum Kind: String, Codable, Sendable { case latency, share }

    public struct Change: Codable, Sendable, Equatable {
        /// "tcp.retransmissionRate", or "pods[shop/web-...].tcp.retransmissionRate".
        public var metric: String
        public var kind: Kind
        public var base: Double
        public var candidate: Double
        public var worse: Bool
        public var text: String
    }

    struct Metric: Sendable {
        var name: String
        var kind: Kind
        var value: @Sendable (Report) -> Double?
    }

    static func share(_ part: Int, _ whole: Int) -> Double? { whole > 0 ? Double(part) / Double(whole) : nil }

    static let metrics: [Metric] = [
        Metric(name: "dns.latency.p50", kind: .latency) { $0.dns.latency.p50 },
        Metric(name: "dns.latency.p99", kind: .latency) { $0.dns.latency.p99 },
        Metric(name: "dns.unansweredShare", kind: .share) { share($0.dns.unanswered, $0.dns.transactions) },
        Metric(name: "dns.servfailShare", kind: .share) { share($0.dns.rcodes["SERVFAIL"] ?? 0, $0.dns.responses) },
        Metric(name: "dns.nxdomainShare", kind: .share) { share($0.dns.rcodes["NXDOMAIN"] ?? 0, $0.dns.responses) },
        Metric(name: "tcp.retransmissionRate", kind: .share) { $0.tcp.connections > 0 ? $0.tcp.retransmissionRate : nil },
        Metric(name: "tcp.initialRtt.p50", kind: .latency) { $0.tcp.initialRtt.p50 },
        Metric(name: "tcp.initialRtt.p99", kind: .latency) { $0.tcp.initialRtt.p99 },
        Metric(name: "tcp.resetsPerConnection", kind: .share) { share($0.tcp.resets, $0.tcp.connections) },
        Metric(name: "tls.handshakeLatency.p50", kind: .latency) { $0.tls.handshakeLatency.p50 },
        Metric(name: "tls.handshakeLatency.p99", kind: .latency) { $0.tls.handshakeLatency.p99 },
        Metric(name: "tls.failureShare", kind: .share) { share($0.tls.failures.total, $0.tls.handshakes) },
        Metric(name: "apiServer.latency.p50", kind: .latency) { $0.apiServer.latency.p50 },
        Metric(name: "apiServer.latency.p99", kind: .latency) { $0.apiServer.latency.p99 },
        Metric(name: "apiServer.errorsPerConnection", kind: .share) { r in
            let e = r.apiServer.errors
            return share(e.resets + e.alerts + e.noResponse + e.handshakeFailures, r.apiServer.connections)
        },
    ]

    struct PodMetric: Sendable {
        var name: String
        var kind: Kind
        var value: @Sendable (PodRow) -> Double?
    }

    static let podMetrics: [PodMetric] = [
        PodMetric(name: "dns.latency.p99", kind: .latency) { $0.dns.latency.p99 },
        PodMetric(name: "tcp.retransmissionRate", kind: .share) { $0.tcp.connections > 0 ? $0.tcp.retransmissionRate : nil },
        PodMetric(name: "tls.handshakeLatency.p99", kind: .latency) { $0.tls.handshakeLatency.p99 },
    ]

    public static func compare(_ base: Report, _ candidate: Report, thresholds t: Thresholds = Thresholds()) -> [Change] {
        var out: [Change] = []
        func consider(_ name: String, _ kind: Kind, _ a: Double?, _ b: Double?) {
            guard let a, let b else { return }
            let delta = b - a
            let floor = kind == .latency ? t.latency : t.share
            guard abs(delta) >= floor, a == 0 || abs(delta) >= abs(a) * t.relative else { return }
            let worse = delta > 0
            out.append(
                Change(
                    metric: name, kind: kind, base: a, candidate: b, worse: worse,
                    text: "\(name): \(format(a, kind)) -> \(format(b, kind)) (\(signed(delta, kind)))"))
        }
        for m in metrics { consider(m.name, m.kind, m.value(base), m.value(candidate)) }
        let basePods = Dictionary(base.pods.map { ($0.namespace + "/" + ($0.name ?? ""), $0) }) { a, _ in a }
        for pod in candidate.pods {
            let key = pod.namespace + "/" + (pod.name ?? "")
            guard let before = basePods[key] else { continue }
            for m in podMetrics { consider("pods[\(key)].\(m.name)", m.kind, m.value(before), m.value(pod)) }
        }
        return out
    }

    static func format(_ v: Double, _ kind: Kind) -> String {
        kind == .latency ? String(format: "%.3f ms", v * 1000) : String(format: "%.2f%%", v * 100)
    }

    static func signed(_ v: Double, _ kind: Kind) -> String {
        (v >= 0 ? "+" : "") + (kind == .latency ? String(format: "%.3f ms", v * 1000) : String(format: "%.2f pp", v * 100))
    }
}
