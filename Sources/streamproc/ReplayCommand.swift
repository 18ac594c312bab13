import LoadKit
import ScanRules
import KafkaIO
import LiveView
import Aggregates
import ArgumentParser
import Foundation
import StreamProc

/// `streamproc replay`: judge and count a file of record values offline.
struct ReplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Judge and count a file of record values offline (one value per line, corpus format).",
        discussion: """
            Each line of --input is the exact value bytes of one Kafka record of one partition, in \
            order (spec v1 §8). Writes one JSON object per line to --verdicts-out, the closed window \
            cells to --counts-out (CSV like expected-counts.csv; all windows are closed at end of \
            input), and prints the totals per verdict as JSON.
            """)

    @Option(help: "Key registry file (spec §4).") var keys: String
    @Option(help: "Input file: one record value per line.") var input: String
    @Option(help: "Where to write {\"line\":N,\"verdict\":…,\"attributed\":…} lines.") var verdictsOut: String?
    @Option(help: "Where to write window_start_ms,scenario,district,verdict,count CSV.") var countsOut: String?
    @Option(help: "Where to write window_start_ms,scenario,district,verdict,late CSV of late events.") var lateOut: String?
    @Option(help: "Wall clock for clock_ahead, ms since the epoch (default: now).") var nowMs: Int64?
    @Option(help: "Replacement scenarios.csv (default: embedded).") var scenarios: String?
    @Option(help: "Replacement districts.csv (default: embedded).") var districts: String?
    @Option(help: "Allowed lateness of the watermark, ms.") var allowedLatenessMs: Int64 = 120_000

    func run() async throws {
        let reference = try ReferenceData(scenariosFile: scenarios, districtsFile: districts)
        let registry = try KeyRegistry(contentsOfFile: keys)
        let records = try LineRecords(contentsOfFile: input)
        var replay = Replay(engine: VerdictEngine(registry: registry, reference: reference), reference: reference)
        replay.allowedLatenessMs = allowedLatenessMs
        let result = await replay.run(records, nowMs: nowMs ?? WallClock.nowMs())
        if let path = verdictsOut {
            try write(Replay.verdictLines(result), to: path)
        }
        let names = (reference.scenarios.map(\.id), reference.districts.map(\.code))
        if let path = countsOut {
            try write([ReplayCounts.header] + ReplayCounts.csvLines(result.panes, scenarioNames: names.0, districtNames: names.1), to: path)
        }
        if let path = lateOut {
            try write([ReplayCounts.lateHeader] + ReplayCounts.lateCSVLines(result.panes, scenarioNames: names.0, districtNames: names.1), to: path)
        }
        print(Replay.totalsJSON(result))
    }

    private func write(_ lines: [String], to path: String) throws {
        var text = lines.joined(separator: "\n")
        if !lines.isEmpty { text += "\n" }
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }
}
