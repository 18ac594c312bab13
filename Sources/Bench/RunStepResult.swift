import LoadKit
import ScanRules
import KafkaIO
import LiveView
import Aggregates
import StreamProc

/// What `bench run` measured in one step's window (after its warm-up).
struct RunStepResult {
    /// Offered (target) rate, events/s.
    var offered: Double
    /// Records the `bench produce` child enqueued per second during the window, as it
    /// reported them (≤ offered when it fell behind).
    var produced: Double
    /// Records counted by the pipeline per second during the window.
    var achieved: Double
    /// Produce-to-counted latency percentiles, **ms**.
    var p50Ms: Double, p99Ms: Double, p999Ms: Double
    /// p99 of the produce-to-fetched part of those latencies (mock broker, fetch, librdkafka's
    /// queue; ``KafkaBatch/fetchedAtUs``), **ms**: what is left of ``p99Ms`` is the processor's.
    var fetchedP99Ms: Double
    /// Pipeline CPU per 1000 counted events, **seconds**: ``pipelineCPUS`` / events × 1000.
    var cpuSPer1k: Double
    /// CPU **seconds** of the measuring process during the window (getrusage RUSAGE_SELF, user
    /// + sys, all threads: the pipeline with its librdkafka clients, the latency probe and the
    /// progress line; the producer and the mock broker are other processes).
    var pipelineCPUS: Double
    /// CPU **seconds** of the `bench produce` child during the window (`/proc/<pid>/stat`).
    var producerCPUS: Double
    /// CPU **seconds** of the `streamproc mock-broker` child during the window; nil with `--brokers`.
    var brokerCPUS: Double?
    /// Length of the window, **seconds**.
    var windowS: Double
    /// Produced − counted records at the window's middle and end.
    var backlogMid: Int64, backlogEnd: Int64
    /// Stage time deltas over the window, ns (see ``RunStageShare``).
    var stages: RunStageShare
    /// Whether the step kept up (see ``isSustainable(achieved:offered:backlogMid:backlogEnd:p99Ms:maxP99Ms:)``).
    var sustainable: Bool

    /// The rule: achieved ≥ 95 % of offered, the backlog (produced − counted, which
    /// includes records in flight; a lower bound ≥ 0, the producer's count being ≤ 100 ms old) at the window's end is at most one second of input
    /// (≥ 100 records) and not growing (end ≤ mid + 10 % of a second of input), and
    /// p99 latency ≤ `maxP99Ms` (a queue that is drained only in bursts is not steady).
    static func isSustainable(achieved: Double, offered: Double, backlogMid: Int64, backlogEnd: Int64,
                              p99Ms: Double, maxP99Ms: Double) -> Bool {
        guard p99Ms <= maxP99Ms else { return false }
        let small = Double(backlogEnd) <= max(1.0 * offered, 100)
        let notGrowing = Double(backlogEnd) <= Double(max(backlogMid, 0)) + max(0.1 * offered, 100)
        return achieved >= 0.95 * offered && small && notGrowing
    }

    /// Cores the producer and mock-broker children kept busy on average during the window
    /// ((``producerCPUS`` + ``brokerCPUS``) / ``windowS``): on a machine shared with them,
    /// cores the pipeline could not use.
    var otherProcessesCores: Double { windowS > 0 ? (producerCPUS + (brokerCPUS ?? 0)) / windowS : 0 }

    /// The step in ``MeasuredRun``'s shape.
    var measured: MeasuredRun.Step {
        MeasuredRun.Step(offered: offered, achieved: achieved, p50Ms: p50Ms, p99Ms: p99Ms, p999Ms: p999Ms,
                         cpuSPer1k: cpuSPer1k)
    }
}

/// Time per pipeline stage from ``LiveTotals`` deltas, **ns**:
/// - `decode`: decode CPU time summed over the judging workers (`decodeCpuNs`);
/// - `verify`: signature verification CPU time summed over the workers (`verifyCpuNs`);
/// - `aggregate`: wall time of the in-order apply step on the pipeline task (rule 7,
///   window counters, building output records: `applyNs`);
/// - `produce_commit`: wall time the pipeline task waited for output deliveries before
///   storing offsets (`deliveryWaitNs`).
/// Shares divide each by their sum (mixed CPU and wall time: an indication of where
/// time goes, not a CPU profile).
struct RunStageShare {
    var decode: Double = 0, verify: Double = 0, aggregate: Double = 0, produceCommit: Double = 0

    init() {}

    init(from a: LiveTotals, to b: LiveTotals) {
        decode = Double(b.decodeCpuNs &- a.decodeCpuNs)
        verify = Double(b.verifyCpuNs &- a.verifyCpuNs)
        aggregate = Double(b.applyNs &- a.applyNs)
        produceCommit = Double(b.deliveryWaitNs &- a.deliveryWaitNs)
    }

    static func + (l: RunStageShare, r: RunStageShare) -> RunStageShare {
        var s = RunStageShare()
        s.decode = l.decode + r.decode; s.verify = l.verify + r.verify
        s.aggregate = l.aggregate + r.aggregate; s.produceCommit = l.produceCommit + r.produceCommit
        return s
    }

    /// Shares summing to 1 (all 0 when nothing was timed), keyed as in `stage_share`.
    var shares: [(String, Double)] {
        let total = decode + verify + aggregate + produceCommit
        guard total > 0 else { return [("decode", 0), ("verify", 0), ("aggregate", 0), ("produce_commit", 0)] }
        return [("decode", decode / total), ("verify", verify / total),
                ("aggregate", aggregate / total), ("produce_commit", produceCommit / total)]
    }
}
