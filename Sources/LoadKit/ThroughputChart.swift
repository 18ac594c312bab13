import ScanRules
import KafkaIO
import LiveView
import Aggregates
import Foundation

/// A hand-written SVG chart of a rate-ladder run: offered vs achieved throughput
/// (left axis, events/s, with the ideal `achieved = offered` diagonal) and p50, p99,
/// p99.9 latency (right axis, ms, log scale). No dependencies; `bench run` writes it.
///
/// Series are `<g id="series-achieved">`, `series-p50`, `series-p99`, `series-p999`,
/// `series-ideal`, each with one `<polyline>` and one marker per step.
public enum ThroughputChart {
    /// The SVG document (UTF-8 text) for `steps` (any order; sorted by offered load).
    /// - Parameters:
    ///   - steps: the measured steps; an empty list gives a chart saying "no data".
    ///   - title: a title line, escaped for XML.
    ///   - width, height: size in px.
    public static func svg(steps: [MeasuredRun.Step], title: String = "streamproc throughput and latency",
                           width: Int = 900, height: Int = 560) -> String {
        let s = steps.filter { $0.offered.isFinite && $0.achieved.isFinite }.sorted { $0.offered < $1.offered }
        let W = Double(width), H = Double(height)
        let left = 90.0, right = 90.0, top = 60.0, bottom = 70.0
        let pw = W - left - right, ph = H - top - bottom
        var out = """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(width)" height="\(height)" viewBox="0 0 \(width) \(height)" font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="13">
        <rect width="100%" height="100%" fill="#ffffff"/>
        <text x="\(fmt(W / 2))" y="30" text-anchor="middle" font-size="17" font-weight="bold">\(escape(title))</text>\n
        """
        guard !s.isEmpty else {
            return out + "<text x=\"\(fmt(W / 2))\" y=\"\(fmt(H / 2))\" text-anchor=\"middle\">no data</text>\n</svg>\n"
        }
        // Scales.
        let maxX = s.map(\.offered).max() ?? 1
        let xStep = niceStep(max(maxX, 1) / 5), xMax = (max(maxX, 1) / xStep).rounded(.up) * xStep
        let maxY = max(s.map(\.achieved).max() ?? 1, maxX, 1)
        let yStep = niceStep(maxY / 5), yMax = (maxY / yStep).rounded(.up) * yStep
        let lat = s.flatMap { [$0.p50Ms, $0.p99Ms, $0.p999Ms] }.filter { $0 > 0 && $0.isFinite }
        let lo = floor(log10(max(lat.min() ?? 1, 0.001))), hi = max(ceil(log10(lat.max() ?? 10)), lo + 1)
        func x(_ v: Double) -> Double { left + v / xMax * pw }
        func y(_ v: Double) -> Double { top + ph - v / yMax * ph }
        func yl(_ ms: Double) -> Double { top + ph - (log10(max(ms, pow(10, lo))) - lo) / (hi - lo) * ph }

        // Grid and axes.
        out += "<g id=\"grid\" stroke=\"#e3e3e3\" stroke-width=\"1\">\n"
        for v in stride(from: 0.0, through: yMax + yStep / 2, by: yStep) {
            out += "<line x1=\"\(fmt(left))\" y1=\"\(fmt(y(v)))\" x2=\"\(fmt(left + pw))\" y2=\"\(fmt(y(v)))\"/>\n"
        }
        out += "</g>\n<g id=\"axes\" stroke=\"#333\" stroke-width=\"1.2\" fill=\"none\">\n"
        out += "<line x1=\"\(fmt(left))\" y1=\"\(fmt(top + ph))\" x2=\"\(fmt(left + pw))\" y2=\"\(fmt(top + ph))\"/>\n"
        out += "<line x1=\"\(fmt(left))\" y1=\"\(fmt(top))\" x2=\"\(fmt(left))\" y2=\"\(fmt(top + ph))\"/>\n"
        out += "<line x1=\"\(fmt(left + pw))\" y1=\"\(fmt(top))\" x2=\"\(fmt(left + pw))\" y2=\"\(fmt(top + ph))\"/>\n</g>\n"
        out += "<g id=\"ticks\" fill=\"#333\">\n"
        for v in stride(from: 0.0, through: xMax + xStep / 2, by: xStep) {
            out += "<line x1=\"\(fmt(x(v)))\" y1=\"\(fmt(top + ph))\" x2=\"\(fmt(x(v)))\" y2=\"\(fmt(top + ph + 5))\" stroke=\"#333\"/>"
            out += "<text x=\"\(fmt(x(v)))\" y=\"\(fmt(top + ph + 20))\" text-anchor=\"middle\">\(label(v))</text>\n"
        }
        for v in stride(from: 0.0, through: yMax + yStep / 2, by: yStep) {
            out += "<text x=\"\(fmt(left - 8))\" y=\"\(fmt(y(v) + 4))\" text-anchor=\"end\">\(label(v))</text>\n"
        }
        var e = lo
        while e <= hi + 0.5 {
            let ms = pow(10, e)
            out += "<line x1=\"\(fmt(left + pw))\" y1=\"\(fmt(yl(ms)))\" x2=\"\(fmt(left + pw + 5))\" y2=\"\(fmt(yl(ms)))\" stroke=\"#333\"/>"
            out += "<text x=\"\(fmt(left + pw + 8))\" y=\"\(fmt(yl(ms) + 4))\">\(ms >= 1 ? String(Int(ms.rounded())) : String(ms))</text>\n"
            e += 1
        }
        out += "</g>\n"
        out += "<text x=\"\(fmt(left + pw / 2))\" y=\"\(fmt(H - 22))\" text-anchor=\"middle\">offered load (events/s)</text>\n"
        out += "<text transform=\"translate(24 \(fmt(top + ph / 2))) rotate(-90)\" text-anchor=\"middle\">achieved throughput (events/s)</text>\n"
        out += "<text transform=\"translate(\(fmt(W - 22)) \(fmt(top + ph / 2))) rotate(90)\" text-anchor=\"middle\">latency (ms, log scale)</text>\n"

        // Series.
        func series(_ id: String, _ color: String, _ dash: String?, _ pts: [(Double, Double)], marker: String) {
            out += "<g id=\"series-\(id)\" stroke=\"\(color)\" fill=\"\(color)\">\n<polyline fill=\"none\" stroke-width=\"2.2\""
            if let dash { out += " stroke-dasharray=\"\(dash)\"" }
            out += " points=\"" + pts.map { "\(fmt($0.0)),\(fmt($0.1))" }.joined(separator: " ") + "\"/>\n"
            for p in pts {
                switch marker {
                case "square": out += "<rect x=\"\(fmt(p.0 - 3.5))\" y=\"\(fmt(p.1 - 3.5))\" width=\"7\" height=\"7\"/>\n"
                case "diamond": out += "<path d=\"M\(fmt(p.0)) \(fmt(p.1 - 5))l5 5l-5 5l-5 -5z\"/>\n"
                case "triangle": out += "<path d=\"M\(fmt(p.0)) \(fmt(p.1 - 5))l5 9h-10z\"/>\n"
                case "none": break
                default: out += "<circle cx=\"\(fmt(p.0))\" cy=\"\(fmt(p.1))\" r=\"4\"/>\n"
                }
            }
            out += "</g>\n"
        }
        series("ideal", "#9e9e9e", "4 4", [(x(0), y(0)), (x(min(xMax, yMax)), y(min(xMax, yMax)))], marker: "none")
        series("achieved", "#1f5fbf", nil, s.map { (x($0.offered), y($0.achieved)) }, marker: "circle")
        series("p50", "#2e9d4a", "7 3", s.map { (x($0.offered), yl($0.p50Ms)) }, marker: "square")
        series("p99", "#e08a00", "7 3", s.map { (x($0.offered), yl($0.p99Ms)) }, marker: "diamond")
        series("p999", "#c62828", "7 3", s.map { (x($0.offered), yl($0.p999Ms)) }, marker: "triangle")

        // Legend.
        let items: [(String, String, String?)] = [
            ("achieved throughput (left)", "#1f5fbf", nil), ("ideal: achieved = offered", "#9e9e9e", "4 4"),
            ("p50 latency (right)", "#2e9d4a", "7 3"), ("p99 latency (right)", "#e08a00", "7 3"),
            ("p99.9 latency (right)", "#c62828", "7 3"),
        ]
        let lx = left + 14, ly = top + 12
        out += "<g id=\"legend\">\n<rect x=\"\(fmt(lx - 8))\" y=\"\(fmt(ly - 10))\" width=\"230\" height=\"\(items.count * 20 + 8)\" fill=\"#ffffff\" fill-opacity=\"0.9\" stroke=\"#bbb\"/>\n"
        for (i, it) in items.enumerated() {
            let yy = ly + Double(i) * 20 + 4
            out += "<line x1=\"\(fmt(lx))\" y1=\"\(fmt(yy))\" x2=\"\(fmt(lx + 28))\" y2=\"\(fmt(yy))\" stroke=\"\(it.1)\" stroke-width=\"2.5\""
            if let d = it.2 { out += " stroke-dasharray=\"\(d)\"" }
            out += "/><text x=\"\(fmt(lx + 36))\" y=\"\(fmt(yy + 4))\">\(escape(it.0))</text>\n"
        }
        out += "</g>\n</svg>\n"
        return out
    }

    /// 1, 2 or 5 × 10^k just above `raw`.
    static func niceStep(_ raw: Double) -> Double {
        guard raw > 0, raw.isFinite else { return 1 }
        let mag = pow(10, floor(log10(raw)))
        let n = raw / mag
        return (n <= 1 ? 1 : n <= 2 ? 2 : n <= 5 ? 5 : 10) * mag
    }

    /// `12500` → `12.5k`, `2000000` → `2M`, `0.5` → `0.5`.
    static func label(_ v: Double) -> String {
        func trim(_ x: Double) -> String {
            let r = (x * 10).rounded() / 10
            return r == r.rounded() ? String(Int(r)) : String(r)
        }
        if v >= 1_000_000 { return trim(v / 1_000_000) + "M" }
        if v >= 1000 { return trim(v / 1000) + "k" }
        if v >= 1 || v == 0 { return trim(v) }
        return String(v)
    }

    static func fmt(_ v: Double) -> String { String(format: "%.1f", v) }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
