import Reports

extension ReportRun {
    /// What the report keeps of the connection stage (`ConnectionStage`) once the pass has
    /// ended: the members' sections and the little else it reads later. The members themselves
    /// are dropped when this is built, before any text is written: held, they were `loupe
    /// report`'s highest memory on a busy node.
    struct ConnectionResults {
        var tcp: TCPSection
        var tls: TLSSection
        var leftovers: Leftovers
        /// The members' per-pod figures (with cluster metadata).
        var podStats: [PodStats]
        /// The members' metric series (with a metrics format).
        var metrics: [MetricsRecorder]
    }

    /// The stage's members taken out of it, their sections built, and the members dropped.
    static func connectionResults(_ stage: inout ConnectionStage) -> ConnectionResults {
        let metrics = stage.metrics
        let (tcp, tls) = stage.take()
        return ConnectionResults(
            tcp: tcpSection(tcp ?? TCPAnalysis(rows: 0)),
            tls: tls?.finalSection ?? TLSSection(),
            leftovers: Leftovers(tcp: tcp, tls: tls),
            podStats: [tcp?.podStats, tls?.podStats].compactMap { $0 },
            metrics: metrics)
    }

    /// What the report reads of the TCP and TLS analyses besides their sections.
    struct Leftovers {
        var kernelWatch: [FlowKey: TCPAnalysis.WireCount]?
        var tcpTrace: [Int: TCPAnalysisFlags]?
        var tlsLimitHits: Int
        /// With TLS keys: the requests decrypted connections carried.
        var services: HTTPServices?
        /// The bounds the cleartext HTTP reader and the `http` section reached.
        var httpWarnings: [String]
        var exchangeTrace: [String: [Int64]]?
        var settledTLSSessions: Int

        init(tcp: TCPAnalysis?, tls: TLSAnalysis?) {
            kernelWatch = tcp?.kernelWatch
            tcpTrace = tcp?.trace
            tlsLimitHits = tls?.budget.limitHits ?? 0
            // With keys, or when cleartext HTTP was read: the `http` section.
            services = tls.flatMap { $0.keyLog.isEmpty && $0.services.requests == 0 ? nil : $0.services }
            httpWarnings = (tls?.plain.warnings ?? []) + (services?.warnings ?? [])
            exchangeTrace = tls?.exchangeTrace
            settledTLSSessions = tls?.settled ?? 0
        }
    }
}
