import Foundation
import Testing
@testable import LoadKit
import ScanRules
import Aggregates
import LiveView
import KafkaIO
import StreamProcTesting

@Suite("CapacityPlan")
struct PlanTests {
    /// A hand-written `bench run --json` result: 2 cores, saturating near 20k events/s.
    static let runJSON = """
    {"max_sustainable_events_per_s":19800,"cores":2,
     "steps":[{"offered":5000,"achieved":5000,"p50_ms":1.2,"p99_ms":4,"p999_ms":9,"cpu_s_per_1k":0.09},
              {"offered":10000,"achieved":10000,"p50_ms":1.5,"p99_ms":8,"p999_ms":20,"cpu_s_per_1k":0.09},
              {"offered":15000,"achieved":14900,"p50_ms":3,"p99_ms":25,"p999_ms":60,"cpu_s_per_1k":0.1},
              {"offered":20000,"achieved":19800,"p50_ms":20,"p99_ms":120,"p999_ms":400,"cpu_s_per_1k":0.1},
              {"offered":25000,"achieved":20100,"p50_ms":900,"p99_ms":2400,"p999_ms":3100,"cpu_s_per_1k":0.1}],
     "stage_share":{"verify":0.72,"decode":0.12,"kafka":0.1,"windows":0.06}}
    """

    func run() throws -> MeasuredRun {
        try JSONDecoder().decode(MeasuredRun.self, from: Data(Self.runJSON.utf8))
    }

    @Test("Decodes the bench run JSON")
    func decodes() throws {
        let r = try run()
        #expect(r.cores == 2 && r.maxSustainableEventsPerS == 19800 && r.steps.count == 5)
        #expect(r.steps[2] == .init(offered: 15000, achieved: 14900, p50Ms: 3, p99Ms: 25, p999Ms: 60, cpuSPer1k: 0.1))
        #expect(r.stageShare?["verify"] == 0.72)
    }

    @Test("Without a p99 limit: max sustainable rate, 30 % headroom, N+1, power-of-two partitions")
    func noLatencyLimit() throws {
        let p = try CapacityPlan.compute(run: run(), targetEventsPerS: 100_000)
        #expect(p.usableEventsPerS == 19800)
        #expect(p.perCoreEventsPerS == 9900)
        #expect(abs(p.plannedPerCoreEventsPerS - 6930) < 1e-9)
        #expect(p.cores == 15)          // ceil(100000 / 6930) = ceil(14.43)
        #expect(p.instances == 8)       // ceil(15 / 2)
        #expect(p.instancesWithSpare == 9)
        #expect(p.minimumPartitions == 9)
        #expect(p.recommendedPartitions == 32)  // next power of two >= 18
        #expect(p.report().contains("usable capacity: 19800 events/s on 2 cores"))
    }

    @Test("A p99 limit picks the highest step within it")
    func latencyLimit() throws {
        let p = try CapacityPlan.compute(run: run(), targetEventsPerS: 100_000,
                                         assumptions: .init(p99LimitMs: 50))
        #expect(p.usableStep?.offered == 15000)
        #expect(p.usableEventsPerS == 14900)
        #expect(p.perCoreEventsPerS == 7450)
        #expect(p.cores == 20)          // ceil(100000 / 5215) = ceil(19.18)
        #expect(p.instances == 10)
        #expect(p.instancesWithSpare == 11)
        #expect(p.recommendedPartitions == 32)  // >= 22
        #expect(p.report().contains("highest step with p99 <= 50 ms"))
    }

    @Test("Other assumptions: 8-core instances, no spare, no headroom")
    func otherAssumptions() throws {
        let p = try CapacityPlan.compute(run: run(), targetEventsPerS: 5_000,
                                         assumptions: .init(headroom: 0, coresPerInstance: 8, spareInstances: 0))
        #expect(p.cores == 1)           // ceil(5000 / 9900)
        #expect(p.instances == 1 && p.instancesWithSpare == 1)
        #expect(p.minimumPartitions == 1 && p.recommendedPartitions == 2)
    }

    @Test("Errors: no step within the limit, bad inputs")
    func errors() throws {
        #expect(throws: CapacityPlan.PlanError.noStepWithinLatency(limitMs: 1, bestP99Ms: 4)) {
            try CapacityPlan.compute(run: run(), targetEventsPerS: 1000, assumptions: .init(p99LimitMs: 1))
        }
        #expect(throws: CapacityPlan.PlanError.invalid("target")) { try CapacityPlan.compute(run: run(), targetEventsPerS: 0) }
        #expect(throws: CapacityPlan.PlanError.invalid("headroom")) {
            try CapacityPlan.compute(run: run(), targetEventsPerS: 10, assumptions: .init(headroom: 1))
        }
        #expect(throws: CapacityPlan.PlanError.noCapacity) {
            try CapacityPlan.compute(run: MeasuredRun(maxSustainableEventsPerS: 0, cores: 2, steps: []), targetEventsPerS: 10)
        }
    }
}
