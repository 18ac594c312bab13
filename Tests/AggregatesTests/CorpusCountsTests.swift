import Foundation
import Testing
@testable import Aggregates

/// Feeds the corpus (using the expected verdicts, not the decoder) through one partition and
/// compares with expected-counts.csv and expected-totals.json (spec §7, §8).
@Suite struct CorpusCountsTests {
    /// `exp` (seconds) of a `YKM1.<payload>.<sig>` code, or nil if it does not parse.
    static func expSeconds(_ code: String) -> Int64? {
        let parts = code.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3 else { return nil }
        var b64 = parts[1].replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while b64.count % 4 != 0 { b64 += "=" }
        guard let data = Data(base64Encoded: b64),
              let obj = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return nil }
        return (obj["exp"] as? NSNumber)?.int64Value
    }

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
            // Bounded time (spec §7): min(scanned_at, exp × 1000 + 30 s) when the code parses.
            let bounded = (e["code"] as? String).flatMap(Self.expSeconds).map { min(t, $0 * 1_000 + 30_000) } ?? t
            let outcome = w.record(scenario: s, district: d, verdict: verdict, eventTimeMs: t,
                                   boundedTimeMs: bounded, wallClockMs: 0)
            if outcome != .counted { lateOrOther += 1 }
            attributed += 1
            // A replay: never caught up, the wall clock is not used.
            if n % 50 == 49 { panes += w.advance(wallClockMs: 0, caughtUp: false) }
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
