import Foundation
import Testing
@testable import ScanRules
import Aggregates
import StreamProcTesting

/// ``ParallelJudge`` cuts a batch into up to 4 chunks per worker: whatever the cut, the
/// judgements come back in batch order and equal judging every value on one task.
@Suite struct ParallelJudgeTests {
    @Test("judgements in batch order for 1, 2 and 3 workers and batch sizes around the chunk edges",
          arguments: [1, 2, 3])
    func batchOrderKept(workers: Int) async throws {
        let registry = try KeyRegistry(contentsOfFile: SharedFixtures.root + "/corpus/v1/keys.json")
        let engine = VerdictEngine(registry: registry, reference: .embedded)
        let lines = try SharedFixtures.lines("corpus/v1/events.jsonl").map { [UInt8]($0) }
        let nowMs: Int64 = 1_795_300_000_000
        for n in [0, 1, 15, 16, 17, 127, 128, 129, 1_001] {
            let values = Array(lines.prefix(n))
            let expected = values.map { engine.judge($0, nowMs: nowMs) }
            var timing = JudgeTiming()
            let got = await ParallelJudge(engine: engine, workers: workers).judge(values, nowMs: nowMs, timing: &timing)
            #expect(got.count == n)
            #expect(got.map(\.verdict) == expected.map(\.verdict), "n \(n)")
            #expect(got.map(\.reason) == expected.map(\.reason), "n \(n)")
            #expect(got.map(\.eventID) == expected.map(\.eventID), "n \(n)")
            #expect(got.map(\.boundedTimeMs) == expected.map(\.boundedTimeMs), "n \(n)")
            #expect(got.map { $0.attribution?.scannedAtMs } == expected.map { $0.attribution?.scannedAtMs }, "n \(n)")
            #expect(timing.events == UInt64(n), "every value timed once (n \(n))")
        }
    }
}
