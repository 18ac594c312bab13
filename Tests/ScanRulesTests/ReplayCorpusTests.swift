import Foundation
import Testing
@testable import ScanRules
import Aggregates
import LoadKit
import StreamProcTesting

/// The public corpus (spec v1 §8) through the whole offline path: every
/// line's verdict and attribution, every window cell, and the totals.
@Suite struct ReplayCorpusTests {
    static func replay() async throws -> Replay.Result {
        let registry = try KeyRegistry(contentsOfFile: SharedFixtures.root + "/corpus/v1/keys.json")
        let records = try LineRecords(contentsOfFile: SharedFixtures.root + "/corpus/v1/events.jsonl")
        let replay = Replay(engine: VerdictEngine(registry: registry, reference: .embedded), reference: .embedded)
        // The corpus was made on 2026-11-19; any later wall clock gives the same verdicts.
        return await replay.run(records, nowMs: 1_795_300_000_000)
    }

    @Test func everyLineGetsItsExpectedVerdictAndAttribution() async throws {
        let result = try await Self.replay()
        let expected = try SharedFixtures.lines("corpus/v1/expected-verdicts.jsonl")
        #expect(result.lines.count == 3027)
        #expect(expected.count == 3027)
        var mismatches: [String] = []
        for (line, data) in zip(result.lines, expected) {
            let e = try JSONSerialization.jsonObject(with: data) as! [String: Any]
            let verdict = e["verdict"] as! String
            let attributed = e["attributed"] as! Bool
            if line.verdict.name != verdict || line.attributed != attributed {
                mismatches.append("line \(line.line): got \(line.verdict.name)/\(line.attributed), expected \(verdict)/\(attributed)")
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(10))")
    }

    @Test func windowCountsEqualExpectedCountsCSV() async throws {
        let result = try await Self.replay()
        let reference = ReferenceData.embedded
        let csv = [ReplayCounts.header] + ReplayCounts.csvLines(
            result.panes, scenarioNames: reference.scenarios.map(\.id), districtNames: reference.districts.map(\.code))
        let expected = String(decoding: try SharedFixtures.data("corpus/v1/expected-counts.csv"), as: UTF8.self)
            .split(separator: "\n").map(String.init)
        #expect(csv.count == expected.count)
        #expect(csv == expected)
        #expect(result.late == 0)
    }

    @Test func totalsEqualExpectedTotals() async throws {
        let result = try await Self.replay()
        let json = try JSONSerialization.jsonObject(with: SharedFixtures.data("corpus/v1/expected-totals.json")) as! [String: Any]
        let byVerdict = json["by_verdict"] as! [String: Int]
        for v in Verdict.allCases {
            #expect((result.totals[v] ?? 0) == (byVerdict[v.name] ?? 0), "\(v.name)")
        }
        #expect(result.unattributed == json["unattributed"] as! Int)
        #expect(result.lines.count == json["events"] as! Int)
    }
}
