import Foundation

/// Inline SVG charts for the HTML report, drawn from the metric series. Only numbers and
/// fixed titles go into the SVG text, so nothing from the capture needs escaping here.
enum HTMLCharts {
    static let width = 760.0, height = 90.0, maxPoints = 240

    /// Per step totals of a family's series (a filter picks series by their labels).
    static func perStep(
        _ m: MetricsModel, _ name: String, value: (MetricsModel.Cell) -> Double = { $0.value },
        where keep: ([(String, String)]) -> Bool = { _ in true }
    ) -> [Int64: Double] {
        var out: [Int64: Double] = [:]
        for f in m.families where f.name == name {
            for s in f.series where keep(s.labels) { for (k, c) in s.steps { out[k, default: 0] += value(c) } }
        }
        return out
    }

    static func timeline(_ m: MetricsModel) -> String {
        let errors = perStep(
            m, "networkobservability_adv_dns_response_count",
            where: { labels in
                labels.contains { $0.0 == "return_code" && $0.1 != "NOERROR" }
            })
        let apiSum = perStep(m, "loupe_apiserver_request_seconds")
        let apiCount = perStep(m, "loupe_apiserver_request_seconds", value: { Double($0.buckets.reduce(0, +)) })
        var apiMean: [Int64: Double] = [:]
        for (k, n) in apiCount where n > 0 { apiMean[k] = (apiSum[k] ?? 0) / n * 1000 }
        let dnsSum = perStep(m, "loupe_dns_latency_seconds")
        let dnsCount = perStep(m, "loupe_dns_latency_seconds", value: { Double($0.buckets.reduce(0, +)) })
        var dnsMean: [Int64: Double] = [:]
        for (k, n) in dnsCount where n > 0 { dnsMean[k] = (dnsSum[k] ?? 0) / n * 1000 }
        let charts: [(String, [Int64: Double])] = [
            ("Packets per step", perStep(m, "loupe_capture_packets")),
            ("DNS queries per step", perStep(m, "networkobservability_adv_dns_request_count")),
            ("DNS errors per step (not NOERROR)", errors),
            ("DNS mean response time per step, ms", dnsMean),
            ("TCP retransmissions per step", perStep(m, "networkobservability_adv_tcpretrans_count")),
            ("API server mean latency per step, ms", apiMean),
        ]
        let stepSeconds = Double(m.step) / 1e9
        var out = "<div class=\"charts\">"
        for (title, values) in charts {
            out += line(title, values, first: m.firstStep, last: m.lastStep, stepSeconds: stepSeconds)
        }
        return out + "</div>"
    }

    /// The time axis under a chart: the UTC clock at its start, middle and end.
    static func timeAxis(first: Int64, last: Int64, stepSeconds: Double) -> String {
        let start = Double(first) * stepSeconds, end = Double(last + 1) * stepSeconds
        let ticks: [(Double, String, Double)] = [
            (2, "start", start), (width / 2, "middle", (start + end) / 2), (width - 2, "end", end),
        ]
        return ticks.map { x, anchor, t in
            String(
                format: "<text class=\"axis %@\" x=\"%.1f\" y=\"%.1f\">%@</text>", anchor, x, height + 14,
                HTMLBanner.clock(t, start: nil) + " UTC")
        }.joined()
    }

    /// A polyline over the capture window, steps merged so at most `maxPoints` remain.
    static func line(_ title: String, _ values: [Int64: Double], first: Int64, last: Int64, stepSeconds: Double) -> String {
        let span = max(last - first + 1, 1)
        let per = max(1, Int64((Double(span) / Double(maxPoints)).rounded(.up)))
        let points = Int((span + per - 1) / per)
        var merged = Array(repeating: 0.0, count: points)
        for (k, v) in values where k >= first && k <= last { merged[Int((k - first) / per)] += v }
        let top = merged.max() ?? 0
        var svg =
            "<figure><figcaption>\(title): max \(format(top)), \(points) points of \(format(Double(per) * stepSeconds)) s</figcaption>"
        svg +=
            "<svg viewBox=\"0 0 \(Int(width)) \(Int(height + 20))\" role=\"img\"><rect class=\"frame\" width=\"\(Int(width))\" height=\"\(Int(height))\"/>"
        svg += String(format: "<text class=\"axis\" x=\"4\" y=\"12\">%@</text>", format(top))
        svg += timeAxis(first: first, last: last, stepSeconds: stepSeconds)
        if top > 0 {
            let coordinates = merged.enumerated().map { i, v in
                String(
                    format: "%.1f,%.1f", Double(i) / Double(max(points - 1, 1)) * (width - 4) + 2,
                    height - 2 - v / top * (height - 6))
            }
            svg += "<polyline points=\"\(coordinates.joined(separator: " "))\"/>"
        } else {
            svg += "<text x=\"10\" y=\"50\">none</text>"
        }
        return svg + "</svg></figure>"
    }

    static func histograms(_ m: MetricsModel) -> String {
        var out = "<div class=\"charts\">"
        for (name, title) in [
            ("loupe_dns_latency_seconds", "DNS response time"), ("loupe_tls_handshake_seconds", "TLS handshake"),
            ("loupe_apiserver_request_seconds", "API server requests"),
        ] {
            guard let f = m.families.first(where: { $0.name == name }) else {
                out += "<figure><figcaption>\(title): no samples</figcaption></figure>"
                continue
            }
            var buckets = Array(repeating: 0, count: f.bounds.count + 1)
            for s in f.series {
                for c in s.steps.values { for (i, n) in c.buckets.enumerated() where i < buckets.count { buckets[i] += n } }
            }
            out += bars(title, f.bounds, buckets)
        }
        return out + "</div>"
    }

    /// Bars per bucket: "≤ bound" seconds shown in ms.
    static func bars(_ title: String, _ bounds: [Double], _ counts: [Int]) -> String {
        let top = Double(counts.max() ?? 0), n = counts.count
        let barWidth = (width - 20) / Double(n)
        var svg = "<figure><figcaption>\(title): \(counts.reduce(0, +)) samples</figcaption>"
        svg +=
            "<svg viewBox=\"0 0 \(Int(width)) \(Int(height + 24))\" role=\"img\"><rect class=\"frame\" width=\"\(Int(width))\" height=\"\(Int(height))\"/>"
        for (i, c) in counts.enumerated() {
            let h = top > 0 ? Double(c) / top * (height - 6) : 0
            let x = 10 + Double(i) * barWidth
            svg += String(
                format: "<rect class=\"bar\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"><title>%d</title></rect>",
                x + 1, height - 2 - h, barWidth - 2, h, c)
            let label = i < bounds.count ? "≤" + format(bounds[i] * 1000) : ">" + format((bounds.last ?? 0) * 1000)
            svg += String(format: "<text class=\"axis\" x=\"%.1f\" y=\"%.1f\">%@</text>", x + 2, height + 16, label)
        }
        return svg + "</svg><div class=\"unit\">milliseconds</div></figure>"
    }

    static func format(_ v: Double) -> String {
        v == v.rounded() && abs(v) < 1e12 ? String(Int64(v)) : String(format: "%.3g", v)
    }
}

/// The page's stylesheet and its one script.
enum HTMLStyle {
    static let css = """
        body{font:14px/1.4 system-ui,sans-serif;margin:2em auto;max-width:1100px;color:#1b1b1b;padding:0 1em}
        h1{font-size:1.6em}h2{border-bottom:1px solid #ccc;margin-top:1.8em}
        .inputs span{display:block;font-family:monospace}
        .banner{border-left:6px solid #2e7d32;background:#f3f8f3;padding:.5em 1em;margin:1em 0}.banner.critical{border-color:#c62828;background:#fdf3f3}
        .banner.warning{border-color:#ef8f00;background:#fff8ee}.banner.info{border-color:#1e88e5}.verdict{font-weight:600;margin:.2em 0 .5em}
        .banner dl{display:grid;grid-template-columns:max-content auto;gap:.1em 1em;margin:0}
        ul.findings{list-style:none;padding:0}ul.findings li{padding:.4em .6em;margin:.3em 0;border-left:4px solid #999;background:#f6f6f6}
        li.sev-critical{border-color:#c62828!important}li.sev-warning{border-color:#ef8f00!important}li.sev-info{border-color:#1e88e5!important}
        li strong{margin-right:.4em}.detail{color:#555;font-size:.92em;margin-top:.2em}
        dl.summary{display:grid;grid-template-columns:max-content auto;gap:.2em 1em}dt{color:#555}dd{margin:0}
        table{border-collapse:collapse;width:100%;font-size:.9em;margin:.6em 0}th,td{border:1px solid #ddd;padding:.25em .45em;text-align:left;overflow-wrap:anywhere}
        th{background:#f0f0f0;cursor:pointer}tr:nth-child(even) td{background:#fafafa}
        .charts{display:flex;flex-wrap:wrap;gap:1em}figure{margin:0;flex:1 1 100%}figcaption{font-size:.9em;color:#333}
        svg{width:100%;height:auto;background:#fff}rect.frame{fill:none;stroke:#ccc}polyline{fill:none;stroke:#1e88e5;stroke-width:1.5}
        rect.bar{fill:#1e88e5}text{font-size:11px;fill:#555}text.middle{text-anchor:middle}text.end{text-anchor:end}.unit,.omitted,.none{color:#666;font-size:.85em}
        svg.tsg path{fill:none}path.seg{stroke:#1e63c6;stroke-width:1.5}path.retx{stroke:#d32f2f;stroke-width:2.5}
        path.ack{stroke:#777}path.win{stroke:#2e7d32;stroke-dasharray:4 2}path.dup{stroke:#ef8f00;stroke-width:2}.tsg-figure{margin:.8em 0}
        @media print{th{cursor:auto}body{max-width:none}h2{break-after:avoid}table{page-break-inside:auto}tr{break-inside:avoid}}
        """

    /// Click a column header to sort by it (numbers numerically); a second click reverses.
    static let sortScript = """
        document.querySelectorAll('table.sortable th').forEach(function(th,i){th.addEventListener('click',function(){
        var tb=th.closest('table').tBodies[0],rows=Array.from(tb.rows),asc=th.dataset.asc!=='1';th.dataset.asc=asc?'1':'0';
        rows.sort(function(a,b){var x=a.cells[i].textContent,y=b.cells[i].textContent,p=parseFloat(x),q=parseFloat(y);
        var c=(!isNaN(p)&&!isNaN(q))?p-q:x.localeCompare(y);return asc?c:-c;});rows.forEach(function(r){tb.appendChild(r);});});});
        """
}
