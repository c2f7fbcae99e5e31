import Foundation
import Plot

/// A connection's time-sequence graph (`StreamGraph`) as inline SVG: each data segment a
/// vertical stroke from its first to its last byte (red when retransmitted or out of order), the receiver's
/// ACKs as a grey step line, its window's right edge as a dashed green one, duplicate ACKs as
/// orange ticks. Paths, not one element per segment, keep 20,000 segments near 400 KB. Only
/// numbers and fixed words go into the SVG; the names of the ends go through the caller's
/// escaping.
enum HTMLStreamGraph {
    static let width = 760.0, height = 260.0
    static let left = 64.0, right = 8.0, top = 8.0, bottom = 28.0

    /// The graphs under the TCP table, each with a caption naming its ends (escaped by Plot)
    /// and what it shows; nil without graphs.
    static func section(_ graphs: [StreamGraph], start: Double?) -> Node<HTML.BodyContext>? {
        guard !graphs.isEmpty else { return nil }
        return .group(
            .h3(.id("tsg-section"), "Time-sequence graphs of the worst connections"),
            .p(
                .class("unit"),
                .text(
                    "Data segments by sequence number over time (blue; red: starting below the highest byte "
                        + "sent before, retransmitted or out of order), the receiver's ACKs (grey), its window's right edge "
                        + "(dashed green) and duplicate ACKs (orange).")),
            .forEach(graphs) { g in
                .div(
                    .class("tsg-figure"), .id("graph-" + g.id),
                    .p(
                        .text(
                            "\(g.sender) → \(g.receiver) (\(g.id)): \(g.segments.count) segments, "
                                + "\(g.retransmissions) retransmitted or out of order, \(g.duplicateAcks) duplicate ACKs; first packet "
                                + HTMLBanner.clock(g.start, start: start)
                                + (g.omitted > 0 ? "; \(g.omitted) later packets not drawn" : ""))),
                    .raw(svg(g)))
            })
    }

    static func svg(_ g: StreamGraph) -> String {
        let duration = max(g.segments.last?.time ?? 0, g.acks.last?.time ?? 0, 1e-6)
        let dataTop = g.segments.map { $0.sequence + Int64($0.length) }.max() ?? 0
        let ackTop = g.acks.map(\.ack).max() ?? 0
        let low = min(0, g.segments.map(\.sequence).min() ?? 0, g.acks.map(\.ack).min() ?? 0)
        // The window's edge may be far above the data: drawn up to 15% over the highest byte or
        // ACK, clipped there.
        let high = max(Double(max(dataTop, ackTop)) * 1.15, Double(low) + 1)
        let plotW = width - left - right, plotH = height - top - bottom
        func x(_ t: Double) -> Double { left + t / duration * plotW }
        func y(_ v: Int64) -> Double { top + plotH - (min(Double(v), high) - Double(low)) / (high - Double(low)) * plotH }

        var svg = "<svg viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" class=\"tsg\">"
        svg += String(
            format: "<rect class=\"frame\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"/>", left, top, plotW, plotH)
        let timeUnit = duration < 1 ? (1000.0, "ms") : (1.0, "s")
        for t in ticks(0, duration) {
            svg += String(
                format: "<text class=\"axis middle\" x=\"%.1f\" y=\"%.1f\">%@</text>", x(t), height - 14,
                HTMLCharts.format((t * timeUnit.0 * 1000).rounded() / 1000))
        }
        svg += String(
            format: "<text class=\"axis end\" x=\"%.1f\" y=\"%.1f\">time since the first packet, %@</text>",
            width - right, height - 2, timeUnit.1)
        for v in ticks(Double(low), high) {
            svg += String(format: "<text class=\"axis end\" x=\"%.1f\" y=\"%.1f\">%@</text>", left - 4, y(Int64(v)) + 4, bytes(v))
        }
        var data = "", retransmitted = ""
        for s in g.segments {
            let stroke = String(format: "M%.1f %.1fV%.1f", x(s.time), y(s.sequence), y(s.sequence + Int64(max(s.length, 1))))
            if s.retransmission { retransmitted += stroke } else { data += stroke }
        }
        var ack = "", window = "", duplicates = ""
        for (i, a) in g.acks.enumerated() {
            let (ax, ay, wy) = (x(a.time), y(a.ack), y(a.windowEdge))
            if i == 0 {
                ack += String(format: "M%.1f %.1f", ax, ay)
                window += String(format: "M%.1f %.1f", ax, wy)
            } else {
                ack += String(format: "H%.1fV%.1f", ax, ay)
                window += String(format: "H%.1fV%.1f", ax, wy)
            }
            if a.duplicate { duplicates += String(format: "M%.1f %.1fh6", ax - 3, ay) }
        }
        for (d, cls) in [(window, "win"), (ack, "ack"), (data, "seg"), (retransmitted, "retx"), (duplicates, "dup")]
        where !d.isEmpty {
            svg += "<path class=\"\(cls)\" d=\"\(d)\"/>"
        }
        return svg + "</svg>"
    }

    /// About five round values from `low` to `high` (steps of 1, 2 or 5 times a power of ten).
    static func ticks(_ low: Double, _ high: Double) -> [Double] {
        let span = high - low
        guard span > 0, span.isFinite else { return [low] }
        let raw = span / 5, power = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 5, 10].map { $0 * power }.first { $0 >= raw } ?? 10 * power
        var out: [Double] = []
        var v = (low / step).rounded(.up) * step
        while v <= high + step * 1e-9 && out.count < 12 {
            out.append(v)
            v += step
        }
        return out
    }

    /// A sequence axis label: bytes, kB or MB (decimal).
    static func bytes(_ v: Double) -> String {
        let a = abs(v)
        if a >= 1e7 { return HTMLCharts.format((v / 1e6 * 10).rounded() / 10) + " MB" }
        if a >= 1e4 { return HTMLCharts.format((v / 1e3 * 10).rounded() / 10) + " kB" }
        return HTMLCharts.format(v) + " B"
    }
}
