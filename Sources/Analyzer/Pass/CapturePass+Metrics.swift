import Reports

extension CapturePass {
    /// Every analysis's metric series, `connections` (the connection stage's, taken out of
    /// it: `ConnectionStage.metrics`) and `extra` (recorded beside the pass), merged (nil
    /// without a metrics format).
    func metrics(connections: [MetricsRecorder], adding extra: [MetricsRecorder] = []) -> MetricsModel? {
        guard let first = connections.first ?? sinks.dns.analysis?.metrics else { return nil }
        var all = first.adaptive ? MetricsRecorder(adaptiveReserving: 1) : MetricsRecorder(step: first.step, reserving: 1)
        // The plug-ins' and `extra` series first: Retina's node series are few, and its
        // per-pair series bounded apart (`RetinaSeries.seriesLimit`).
        let analyses = [sinks.dns.analysis?.metrics].compactMap { $0 } + connections
        for part in sinks.plugins.metrics(sightings.points) + extra + analyses { all.merge(part) }
        // Loupe's own packet series (the timeline's first chart) has the place kept for it:
        // analyses that fill the series bound do not push it out.
        let packets = all.family(MetricNames.packets.0, MetricNames.packets.1, .gauge)
        all.allowReserved()
        if let steps = sinks.packetSteps {
            all.coarsen(to: steps.step)  // counted at its step's start: never at a finer step
            for (k, n) in steps.counts { all.add(packets, [], at: k &* steps.step, Double(n)) }
        }
        all.fit()
        return all.model
    }
}
