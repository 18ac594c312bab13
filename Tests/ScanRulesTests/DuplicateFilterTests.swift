import Testing
@testable import ScanRules
import Aggregates
import LoadKit
import StreamProcTesting

@Suite struct DuplicateFilterTests {
    func valid(_ id: String, at ms: Int64) -> Judgement {
        Judgement(verdict: .valid, reason: nil, attribution: Attribution(scenario: 0, district: 0, scannedAtMs: ms), eventID: id)
    }

    @Test func repeatWithinHorizonIsDuplicate() {
        var f = DuplicateFilter(horizonMs: 600_000, slackMs: 0)
        var a = valid("e1", at: 1_000_000), b = valid("e1", at: 1_000_000 + 600_000), c = valid("e1", at: 1_000_000 + 600_001)
        f.apply(&a); f.apply(&b)
        #expect(a.verdict == .valid)
        #expect(b.verdict == .duplicate)
        // More than the horizon away from the only valid one: valid again.
        f.apply(&c)
        #expect(c.verdict == .valid)
    }

    @Test func onlyValidEventsAreRemembered() {
        var f = DuplicateFilter()
        var expired = Judgement(verdict: .expired, reason: nil, attribution: Attribution(scenario: 0, district: 0, scannedAtMs: 5), eventID: "x")
        var next = valid("x", at: 6)
        f.apply(&expired); f.apply(&next)
        #expect(expired.verdict == .expired)
        #expect(next.verdict == .valid)
    }

    @Test func memoryIsBoundedByTheHorizon() {
        var f = DuplicateFilter(horizonMs: 60_000, slackMs: 0)
        for i in 0..<10_000 {
            var j = valid("id\(i)", at: Int64(i) * 1_000)  // one per second for ~2.8 h
            f.apply(&j)
        }
        // Ids older than horizon + one bucket are gone.
        #expect(f.count <= 3 * 60)
        #expect(f.count >= 60)
    }
}
