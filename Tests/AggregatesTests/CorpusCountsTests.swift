import Foundation
import Testing
@testable import Aggregates

/// Feeds the corpus (using the expected verdicts, not the decoder) through one partition and
/// compares with expected-counts.csv and expected-totals.json (spec §7, §8).
@Suite struct CorpusCountsTests {
    @Test func corpusCountsMatchExpectedCSVAndTotals() throws {
        let scenarios = try AggregatesFixtures.firstColumn("data/scenarios.csv")
        let districts = try AggregatesFixtures.firstColumn("data/districts.csv")
        #expect(scenarios.count == 20)
        #expect(districts.count == 41)
        let sIndex = Dictionary(uniqueKeysWithValues: scenarios.enumerated().map { ($1, $0) })
        let dIndex = Dictionary(uniqueKeysWithValues: districts.enumerated().map { ($1, $0) })

        let events = try AggregatesFixtures.lines("corpus/v1/events.jsonl")
        let verdicts = try AggregatesFixtures.lines("corpus/v1/expected-verdicts.jsonl")
        #expect(events.count == verdicts.count)

        var w = PartitionWindows(configuration: WindowConfiguration(scenarioCount: 20, districtCount: 41))
        var panes: [ClosedPane] = []
        var attributed = 0, unattributed = 0, lateOrOther = 0
        for (n, (ev, vl)) in zip(events, verdicts).enumerated() {
            let vj = try #require(try JSONSerialization.jsonObject(with: vl) as? [String: Any])
            let verdictName = try #require(vj["verdict"] as? String)
            let verdict = try #require(Verdict(name: verdictName))
            let isAttributed = (vj["attributed"] as? Bool) ?? true
            if !isAttributed {
                w.recordUnattributed(.badJSON); unattributed += 1; continue
            }
            let e = try #require(try JSONSerialization.jsonObject(with: ev) as? [String: Any])
            let s = try #require((e["scenario"] as? String).flatMap { sIndex[$0] })
            let d = try #require((e["district"] as? String).flatMap { dIndex[$0] })
            let t = try #require((e["scanned_at"] as? NSNumber)?.int64Value)
            let outcome = w.record(scenario: s, district: d, verdict: verdict, eventTimeMs: t, wallClockMs: 0)
            if outcome != .counted { lateOrOther += 1 }
            attributed += 1
            if n % 50 == 49 { panes += w.advance(wallClockMs: 0) }
        }
        #expect(lateOrOther == 0)
        // Windows did close during the run (the watermark moved), not only at the end.
        #expect(panes.count > 10)
        panes += w.closeAll()
        #expect(panes.allSatisfy { $0.kind == .onTime })

        let got = ReplayCounts.csvLines(panes, scenarioNames: scenarios, districtNames: districts)
        let expected = try AggregatesFixtures.lines("corpus/v1/expected-counts.csv")
            .map { String(decoding: $0, as: UTF8.self) }.filter { !$0.isEmpty }
        #expect(expected.first == ReplayCounts.header)
        #expect(got.count == expected.count - 1)
        #expect(got == Array(expected.dropFirst()))
        #expect(ReplayCounts.lateCSVLines(panes, scenarioNames: scenarios, districtNames: districts).isEmpty)

        // Totals.
        let totals = try #require(try JSONSerialization.jsonObject(
            with: AggregatesFixtures.data("corpus/v1/expected-totals.json")) as? [String: Any])
        let byVerdict = try #require(totals["by_verdict"] as? [String: Int])
        var sum: [Verdict: Int] = [:]
        for p in panes { for c in p.counts { sum[c.verdict, default: 0] += Int(c.count) } }
        sum[.malformed, default: 0] += Int(w.unattributedTotal)
        for v in Verdict.allCases { #expect(sum[v, default: 0] == byVerdict[v.name, default: 0], "\(v.name)") }
        #expect(Int(w.unattributedTotal) == totals["unattributed"] as? Int)
        #expect(attributed + unattributed == totals["events"] as? Int)
    }
}
