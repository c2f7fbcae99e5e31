import Foundation
import Plot

/// The HTML report's banner: the capture window in UTC (ISO 8601) and its length, the nodes,
/// inputs and pods, and the verdict (the worst finding). And the wall-clock form every time in
/// the page takes: UTC with milliseconds and the offset from the capture's start (epoch
/// seconds stay in the JSON, and in each cell's `title`).
enum HTMLBanner {
    /// The capture's first and last packet times over every input (epoch seconds), if known.
    static func window(_ r: Report) -> (start: Double, end: Double)? {
        let firsts = r.inputs.compactMap { $0.firstTimestamp.map { NSDecimalNumber(decimal: $0).doubleValue } }
        let lasts = r.inputs.compactMap { $0.lastTimestamp.map { NSDecimalNumber(decimal: $0).doubleValue } }
        guard let start = firsts.min(), let end = lasts.max() else { return nil }
        return (start, end)
    }

    /// "10:52:26.123 (+12.345 s)": the time of day in UTC and the offset from `start`.
    static func clock(_ seconds: Double, start: Double?) -> String {
        let t = UTCText.iso(seconds)
        let time = String(t.dropFirst(11).dropLast())
        guard let start else { return time }
        return time + String(format: " (+%.3f s)", seconds - start)
    }

    static func duration(_ seconds: Double) -> String {
        if seconds < 1 { return String(format: "%.0f ms", seconds * 1000) }
        if seconds < 120 { return String(format: "%.3f s", seconds) }
        let s = Int(seconds)
        return s >= 3600 ? "\(s / 3600) h \(s % 3600 / 60) min" : "\(s / 60) min \(s % 60) s"
    }

    static func banner(_ r: Report) -> Node<HTML.BodyContext> {
        var items: [(String, String)] = []
        if let w = window(r) {
            items.append(("capture", UTCText.iso(w.start) + " to " + UTCText.iso(w.end) + " (" + duration(w.end - w.start) + ")"))
        }
        let nodes = r.attribution.nodes.map(\.name)
        if !nodes.isEmpty { items.append(("nodes", nodes.joined(separator: ", "))) }
        items.append(("inputs", r.inputs.count == 1 ? r.inputs[0].path : "\(r.inputs.count) files"))
        if !r.pods.isEmpty || r.podsOmitted > 0 { items.append(("pods", "\(r.pods.count + r.podsOmitted)")) }
        let worst = r.findings.min { $0.severity < $1.severity }
        let verdict = worst.map { $0.severity.rawValue.uppercased() + ": " + $0.title } ?? "nothing found"
        let level = worst?.severity.rawValue ?? "ok"
        return .div(
            .class("banner \(level)"),
            .p(.class("verdict"), .text(verdict)),
            .dl(.forEach(items) { item in .group(.dt(.text(item.0)), .dd(.text(item.1))) }))
    }
}
