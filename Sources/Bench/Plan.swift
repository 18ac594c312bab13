import LoadKit
import ScanRules
import KafkaIO
import LiveView
import Aggregates
import ArgumentParser
import Foundation
import StreamProc

/// `bench plan`: capacity planning from a `bench run --json` result (see ``CapacityPlan``).
struct Plan: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Instances, cores and partitions needed for a target rate, from a bench run's JSON."
    )

    @Option(help: "The JSON printed by `bench run --json`.") var from: String
    @Option(help: "Target events per second.") var targetEventsPerS: Double
    @Option(help: "p99 latency limit in ms: plan with the highest step whose p99 is within it.") var p99Ms: Double?
    @Option(help: "Headroom fraction kept free on every core.") var headroom: Double = 0.30
    @Option(help: "Cores per instance (default: the measured machine's).") var coresPerInstance: Int?
    @Option(help: "Spare instances for failure tolerance.") var spare: Int = 1
    @Flag(help: "Print the plan as JSON.") var json = false

    func run() throws {
        guard let data = FileManager.default.contents(atPath: from) else { throw ValidationError("cannot read \(from)") }
        let measured = try JSONDecoder().decode(MeasuredRun.self, from: data)
        let plan = try CapacityPlan.compute(
            run: measured, targetEventsPerS: targetEventsPerS,
            assumptions: .init(headroom: headroom, p99LimitMs: p99Ms, coresPerInstance: coresPerInstance, spareInstances: spare))
        if json {
            print("{\"target_events_per_s\":\(plan.targetEventsPerS),\"usable_events_per_s\":\(plan.usableEventsPerS),"
                  + "\"per_core_events_per_s\":\(plan.perCoreEventsPerS),\"cores\":\(plan.cores),"
                  + "\"cores_per_instance\":\(plan.coresPerInstance),\"instances\":\(plan.instances),"
                  + "\"instances_with_spare\":\(plan.instancesWithSpare),\"min_partitions\":\(plan.minimumPartitions),"
                  + "\"recommended_partitions\":\(plan.recommendedPartitions),\"headroom\":\(plan.assumptions.headroom)}")
        } else {
            print(plan.report(), terminator: "")
            if let shares = measured.stageShare, !shares.isEmpty {
                print("measured CPU share by stage: " + shares.sorted { $0.value > $1.value }
                    .map { "\($0.key) \(Int(($0.value * 100).rounded())) %" }.joined(separator: ", "))
            }
        }
    }
}
