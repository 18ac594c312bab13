import Foundation
import Testing
@testable import LoadKit
import ScanRules
import Aggregates
import LiveView
import KafkaIO
import StreamProcTesting

@Suite("ThroughputChart")
struct LoadChartTests {
    static let steps: [MeasuredRun.Step] = [
        .init(offered: 20000, achieved: 19800, p50Ms: 20, p99Ms: 120, p999Ms: 400),
        .init(offered: 5000, achieved: 5000, p50Ms: 1.2, p99Ms: 4, p999Ms: 9),
        .init(offered: 10000, achieved: 10000, p50Ms: 1.5, p99Ms: 8, p999Ms: 20),
        .init(offered: 15000, achieved: 14900, p50Ms: 3, p99Ms: 25, p999Ms: 60),
        .init(offered: 25000, achieved: 20100, p50Ms: 900, p99Ms: 2400, p999Ms: 3100),
    ]

    func polyline(_ svg: String, _ id: String) -> [(Double, Double)] {
        guard let g = svg.range(of: "<g id=\"series-\(id)\""),
              let p = svg.range(of: "points=\"", range: g.upperBound..<svg.endIndex),
              let q = svg.range(of: "\"", range: p.upperBound..<svg.endIndex) else { return [] }
        return svg[p.upperBound..<q.lowerBound].split(separator: " ").compactMap { pair in
            let c = pair.split(separator: ",").compactMap { Double($0) }
            return c.count == 2 ? (c[0], c[1]) : nil
        }
    }

    @Test("SVG has every series with one point per step, ordered by offered load, axes and legend")
    func series() throws {
        let svg = ThroughputChart.svg(steps: Self.steps, title: "a < b & c")
        #expect(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""))
        #expect(svg.hasSuffix("</svg>\n"))
        for id in ["achieved", "p50", "p99", "p999"] {
            let pts = polyline(svg, id)
            #expect(pts.count == 5, "series \(id)")
            #expect(zip(pts, pts.dropFirst()).allSatisfy { $0.0 < $1.0 }, "x increasing in \(id)")
        }
        // Achieved rises with offered load until saturation (SVG y grows downwards).
        let a = polyline(svg, "achieved")
        #expect(a[0].1 > a[3].1)
        // Latency percentiles are ordered at every step: p50 below p99 below p99.9 (higher y = lower value).
        let p50 = polyline(svg, "p50"), p99 = polyline(svg, "p99"), p999 = polyline(svg, "p999")
        for i in 0..<5 { #expect(p50[i].1 > p99[i].1 && p99[i].1 > p999[i].1) }
        #expect(svg.contains("offered load (events/s)") && svg.contains("latency (ms, log scale)"))
        #expect(svg.contains("id=\"legend\"") && svg.contains("p99.9 latency"))
        #expect(svg.contains("a &lt; b &amp; c"))
        #expect(svg.contains(">25k<") && svg.contains(">1000<"))
    }

    @Test("No steps: a valid document saying no data")
    func empty() {
        let svg = ThroughputChart.svg(steps: [])
        #expect(svg.contains("no data") && svg.hasSuffix("</svg>\n") && !svg.contains("series-"))
    }

    @Test("Nice steps and labels")
    func ticks() {
        #expect(ThroughputChart.niceStep(4300) == 5000)
        #expect(ThroughputChart.niceStep(1800) == 2000)
        #expect(ThroughputChart.niceStep(0.9) == 1)
        #expect(ThroughputChart.label(12500) == "12.5k")
        #expect(ThroughputChart.label(2_000_000) == "2M")
        #expect(ThroughputChart.label(40) == "40")
    }
}
