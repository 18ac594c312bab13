import LoadKit
import ScanRules
import KafkaIO
import LiveView
import Aggregates
import ArgumentParser
import Foundation
import StreamProc

/// `bench chart`: renders a `bench run --json` result as an SVG chart (``ThroughputChart``).
struct Chart: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Render offered vs achieved throughput and p50/p99/p99.9 latency of a bench run as SVG."
    )

    @Option(help: "The JSON printed by `bench run --json`.") var from: String
    @Option(help: "Output SVG file.") var out: String
    @Option(help: "Chart title.") var title: String = "streamproc throughput and latency"

    func run() throws {
        guard let data = FileManager.default.contents(atPath: from) else { throw ValidationError("cannot read \(from)") }
        let measured = try JSONDecoder().decode(MeasuredRun.self, from: data)
        let svg = ThroughputChart.svg(steps: measured.steps, title: title)
        try Data(svg.utf8).write(to: URL(fileURLWithPath: out))
        print("wrote \(out) (\(measured.steps.count) steps)")
    }
}
