import ScanRules
import Aggregates

/// The result of a throughput/latency run as `bench run --json` prints it:
/// `{"max_sustainable_events_per_s":X,"cores":N,"steps":[{"offered":…,"achieved":…,
/// "p50_ms":…,"p99_ms":…,"p999_ms":…,"cpu_s_per_1k":…},…],"stage_share":{…}}`.
/// Rates are events per **second**; latencies **milliseconds**; `cpu_s_per_1k` CPU
/// seconds per 1000 events. Input of ``CapacityPlan`` and ``ThroughputChart``.
public struct MeasuredRun: Sendable, Codable, Equatable {
    /// One step of the rate ladder.
    public struct Step: Sendable, Codable, Equatable {
        /// Offered load, events/s.
        public var offered: Double
        /// Achieved (processed) throughput, events/s.
        public var achieved: Double
        /// End-to-end latency percentiles, ms.
        public var p50Ms: Double
        public var p99Ms: Double
        public var p999Ms: Double
        /// CPU seconds per 1000 events (optional).
        public var cpuSPer1k: Double?

        enum CodingKeys: String, CodingKey {
            case offered, achieved, p50Ms = "p50_ms", p99Ms = "p99_ms", p999Ms = "p999_ms", cpuSPer1k = "cpu_s_per_1k"
        }

        /// Memberwise initialiser.
        public init(offered: Double, achieved: Double, p50Ms: Double, p99Ms: Double, p999Ms: Double, cpuSPer1k: Double? = nil) {
            self.offered = offered; self.achieved = achieved
            self.p50Ms = p50Ms; self.p99Ms = p99Ms; self.p999Ms = p999Ms; self.cpuSPer1k = cpuSPer1k
        }
    }

    /// The highest rate the run sustained, events/s.
    public var maxSustainableEventsPerS: Double
    /// Cores of the measured machine.
    public var cores: Int
    /// The rate ladder.
    public var steps: [Step]
    /// Share of CPU time per pipeline stage (e.g. `"verify": 0.7`), optional.
    public var stageShare: [String: Double]?

    enum CodingKeys: String, CodingKey {
        case maxSustainableEventsPerS = "max_sustainable_events_per_s", cores, steps, stageShare = "stage_share"
    }

    /// Memberwise initialiser.
    public init(maxSustainableEventsPerS: Double, cores: Int, steps: [Step], stageShare: [String: Double]? = nil) {
        self.maxSustainableEventsPerS = maxSustainableEventsPerS; self.cores = cores
        self.steps = steps; self.stageShare = stageShare
    }
}
