import ScanRules
import Aggregates

/// How many instances, cores and Kafka partitions a target rate needs, computed
/// from a measured run (``MeasuredRun``). Pure arithmetic, no I/O.
///
/// Rules (printed by ``report()``):
/// 1. Usable capacity of the measured machine: the run's max sustainable rate; with a
///    p99 limit L, the achieved rate of the highest step whose p99 ≤ L (not above the
///    max sustainable rate).
/// 2. Per-core capacity = usable / measured cores (assumes linear scaling in cores).
/// 3. Planned per-core load = per-core capacity × (1 − headroom) (default headroom 30 %).
/// 4. Cores = ⌈target / planned per-core load⌉; instances = ⌈cores / cores per instance⌉
///    (default: the measured machine's cores), plus spare instances (default 1, N+1).
/// 5. Partitions ≥ instances with spare (every consumer gets one); recommended: the next
///    power of two ≥ growth factor (default 2) × instances with spare.
public struct CapacityPlan: Sendable, Equatable {
    /// Planning assumptions.
    public struct Assumptions: Sendable, Equatable {
        /// Fraction of capacity kept free, 0 ≤ h < 1 (default 0.30).
        public var headroom: Double
        /// p99 latency limit in ms, `nil` for none.
        public var p99LimitMs: Double?
        /// Cores per instance; `nil` = the measured machine's cores.
        public var coresPerInstance: Int?
        /// Extra instances for failure tolerance (default 1).
        public var spareInstances: Int
        /// Partition growth factor over instances (default 2).
        public var partitionGrowth: Double

        /// Defaults as documented on each property.
        public init(headroom: Double = 0.30, p99LimitMs: Double? = nil, coresPerInstance: Int? = nil,
                    spareInstances: Int = 1, partitionGrowth: Double = 2) {
            self.headroom = headroom; self.p99LimitMs = p99LimitMs; self.coresPerInstance = coresPerInstance
            self.spareInstances = spareInstances; self.partitionGrowth = partitionGrowth
        }
    }

    /// Errors of ``compute(run:targetEventsPerS:assumptions:)``.
    public enum PlanError: Error, Equatable {
        /// The run has no usable capacity (no steps and no max rate, or cores < 1).
        case noCapacity
        /// No step meets the p99 limit; carries the limit and the lowest p99 measured (ms).
        case noStepWithinLatency(limitMs: Double, bestP99Ms: Double)
        /// An input is out of range (named).
        case invalid(String)
    }

    public let targetEventsPerS: Double
    public let assumptions: Assumptions
    /// Measured cores.
    public let measuredCores: Int
    /// Usable capacity of the measured machine, events/s (rule 1).
    public let usableEventsPerS: Double
    /// The step chosen by the p99 limit, if one was given.
    public let usableStep: MeasuredRun.Step?
    /// Rule 2, events/s per core.
    public let perCoreEventsPerS: Double
    /// Rule 3, events/s per core.
    public let plannedPerCoreEventsPerS: Double
    /// Rule 4.
    public let cores: Int
    public let coresPerInstance: Int
    public let instances: Int
    public let instancesWithSpare: Int
    /// Rule 5.
    public let minimumPartitions: Int
    public let recommendedPartitions: Int

    /// Computes a plan.
    /// - Parameters:
    ///   - run: the measured run.
    ///   - targetEventsPerS: the rate to plan for, events/s (> 0).
    /// - Throws: ``PlanError``.
    public static func compute(run: MeasuredRun, targetEventsPerS: Double,
                               assumptions: Assumptions = Assumptions()) throws -> CapacityPlan {
        guard targetEventsPerS > 0, targetEventsPerS.isFinite else { throw PlanError.invalid("target") }
        guard assumptions.headroom >= 0, assumptions.headroom < 1 else { throw PlanError.invalid("headroom") }
        guard assumptions.spareInstances >= 0 else { throw PlanError.invalid("spareInstances") }
        guard assumptions.partitionGrowth >= 1 else { throw PlanError.invalid("partitionGrowth") }
        guard run.cores >= 1 else { throw PlanError.noCapacity }
        let maxRate = run.maxSustainableEventsPerS > 0
            ? run.maxSustainableEventsPerS : (run.steps.map(\.achieved).max() ?? 0)
        var usable = maxRate
        var chosen: MeasuredRun.Step?
        if let limit = assumptions.p99LimitMs {
            let ok = run.steps.filter { $0.p99Ms <= limit }
            guard let best = ok.max(by: { $0.achieved < $1.achieved }) else {
                throw PlanError.noStepWithinLatency(limitMs: limit, bestP99Ms: run.steps.map(\.p99Ms).min() ?? .infinity)
            }
            chosen = best
            usable = maxRate > 0 ? min(best.achieved, maxRate) : best.achieved
        }
        guard usable > 0 else { throw PlanError.noCapacity }
        let perCore = usable / Double(run.cores)
        let planned = perCore * (1 - assumptions.headroom)
        let cores = max(1, Int((targetEventsPerS / planned).rounded(.up)))
        let cpi = assumptions.coresPerInstance ?? run.cores
        guard cpi >= 1 else { throw PlanError.invalid("coresPerInstance") }
        let instances = max(1, (cores + cpi - 1) / cpi)
        let withSpare = instances + assumptions.spareInstances
        let wanted = Int((assumptions.partitionGrowth * Double(withSpare)).rounded(.up))
        var pow2 = 1
        while pow2 < wanted { pow2 *= 2 }
        return CapacityPlan(targetEventsPerS: targetEventsPerS, assumptions: assumptions, measuredCores: run.cores,
                            usableEventsPerS: usable, usableStep: chosen, perCoreEventsPerS: perCore,
                            plannedPerCoreEventsPerS: planned, cores: cores, coresPerInstance: cpi,
                            instances: instances, instancesWithSpare: withSpare,
                            minimumPartitions: withSpare, recommendedPartitions: max(pow2, withSpare))
    }

    /// A human-readable report: result first, then every assumption and rule applied.
    public func report() -> String {
        func f(_ x: Double) -> String {
            x >= 100 || x == x.rounded() ? String(Int(x.rounded())) : String((x * 100).rounded() / 100)
        }
        var s = "capacity plan for \(f(targetEventsPerS)) events/s\n"
        s += "  instances:  \(instancesWithSpare) (\(instances) for throughput + \(assumptions.spareInstances) spare), \(coresPerInstance) cores each\n"
        s += "  cores:      \(cores) busy cores needed (\(instancesWithSpare * coresPerInstance) provisioned)\n"
        s += "  partitions: at least \(minimumPartitions); recommended \(recommendedPartitions)\n"
        s += "assumptions:\n"
        if let step = usableStep, let limit = assumptions.p99LimitMs {
            s += "  usable capacity: \(f(usableEventsPerS)) events/s on \(measuredCores) cores = highest step with p99 <= \(f(limit)) ms "
            s += "(offered \(f(step.offered)), achieved \(f(step.achieved)), p99 \(f(step.p99Ms)) ms)\n"
        } else {
            s += "  usable capacity: \(f(usableEventsPerS)) events/s on \(measuredCores) cores = measured max sustainable rate (no p99 limit)\n"
        }
        s += "  per-core capacity = \(f(usableEventsPerS)) / \(measuredCores) = \(f(perCoreEventsPerS)) events/s (assumes linear scaling in cores)\n"
        s += "  headroom \(Int((assumptions.headroom * 100).rounded())) %: plan each core at \(f(plannedPerCoreEventsPerS)) events/s\n"
        s += "  cores = ceil(\(f(targetEventsPerS)) / \(f(plannedPerCoreEventsPerS))) = \(cores); instances = ceil(\(cores) / \(coresPerInstance)) = \(instances) (+\(assumptions.spareInstances) spare)\n"
        s += "  partitions >= instances incl. spare; recommended = next power of two >= \(f(assumptions.partitionGrowth)) x \(instancesWithSpare) (room to grow without repartitioning)\n"
        return s
    }
}
