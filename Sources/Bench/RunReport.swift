import LoadKit
import ScanRules
import KafkaIO
import LiveView
import Aggregates
import StreamProc

/// The summary of a `bench run` ladder: max sustainable rate, its ratio to the
/// verification capacity, p99 near 80 % of capacity, stage shares; as a table or as
/// the one-line JSON ``MeasuredRun`` decodes (extra keys are ignored by it).
struct RunReport {
    let steps: [RunStepResult]
    /// Verification capacity of the mix on all cores, events/s.
    let capacity: Double
    /// The capacity measured before and after the ladder, events/s (their mean is ``capacity``).
    let capacityBefore: Double, capacityAfter: Double
    let cores: Int
    let mix: LoadAlgorithmMix

    /// The highest achieved rate of a sustainable step, capped at its offered rate (a
    /// window can count a little of the previous step's backlog), events/s; 0 when none was.
    var maxSustainable: Double { bestStep.map { min($0.achieved, $0.offered) } ?? 0 }

    /// The sustainable step of ``maxSustainable``.
    var bestStep: RunStepResult? {
        steps.filter(\.sustainable).max { min($0.achieved, $0.offered) < min($1.achieved, $1.offered) }
    }

    /// The verification capacity of the cores the producer and broker children left to the
    /// pipeline at ``bestStep`` (`capacity × (cores − their busy cores) / cores`), events/s; the
    /// children share the machine, while ``capacity`` is measured with every core free.
    var capacityLeftToPipeline: Double {
        guard let s = bestStep, cores > 0 else { return capacity }
        return capacity * max(0, Double(cores) - s.otherProcessesCores) / Double(cores)
    }

    /// Stage shares summed over every step's window.
    var stageShare: [(String, Double)] { steps.map(\.stages).reduce(RunStageShare(), +).shares }

    /// The sustainable step whose offered rate is nearest 80 % of capacity.
    var stepNear80: RunStepResult? {
        steps.filter(\.sustainable).min { abs($0.offered - 0.8 * capacity) < abs($1.offered - 0.8 * capacity) }
    }

    /// `{"max_sustainable_events_per_s":X,"cores":N,"steps":[…],"stage_share":{…},
    /// "verification_capacity_events_per_s":C,"ratio_to_capacity":R,"mix":"…"}`; each step also
    /// carries `pipeline_cpu_s`, `producer_cpu_s` and `broker_cpu_s` (CPU **seconds** over its
    /// window; `broker_cpu_s` is null with `--brokers`).
    func jsonLine() -> String {
        let stepsJSON = steps.map {
            "{\"offered\":\(fmt($0.offered, 1)),\"achieved\":\(fmt($0.achieved, 1)),\"p50_ms\":\(fmt($0.p50Ms, 3)),"
                + "\"p99_ms\":\(fmt($0.p99Ms, 3)),\"fetched_p99_ms\":\(fmt($0.fetchedP99Ms, 3)),\"p999_ms\":\(fmt($0.p999Ms, 3)),\"cpu_s_per_1k\":\(fmt($0.cpuSPer1k, 4)),"
                + "\"pipeline_cpu_s\":\(fmt($0.pipelineCPUS, 3)),\"producer_cpu_s\":\(fmt($0.producerCPUS, 3)),"
                + "\"broker_cpu_s\":\($0.brokerCPUS.map { fmt($0, 3) } ?? "null"),"
                + "\"produced\":\(fmt($0.produced, 1)),\"backlog_end\":\($0.backlogEnd),\"sustainable\":\($0.sustainable)}"
        }.joined(separator: ",")
        let shares = stageShare.map { "\"\($0.0)\":\(fmt($0.1, 4))" }.joined(separator: ",")
        return "{\"max_sustainable_events_per_s\":\(fmt(maxSustainable, 1)),\"cores\":\(cores),\"steps\":[\(stepsJSON)],"
            + "\"stage_share\":{\(shares)},\"verification_capacity_events_per_s\":\(fmt(capacity, 1)),"
            + "\"verification_capacity_before\":\(fmt(capacityBefore, 1)),\"verification_capacity_after\":\(fmt(capacityAfter, 1)),"
            + "\"ratio_to_capacity\":\(fmt(capacity > 0 ? maxSustainable / capacity : 0, 4)),"
            + "\"capacity_left_to_pipeline_events_per_s\":\(fmt(capacityLeftToPipeline, 1)),"
            + "\"ratio_to_capacity_left\":\(fmt(capacityLeftToPipeline > 0 ? maxSustainable / capacityLeftToPipeline : 0, 4)),\"mix\":\"\(mix)\"}"
    }

    /// The human-readable report.
    func table(capacityDetail: RunCapacity, svg: String, mockBroker: Bool) -> String {
        var out = "\nstep  offered  produced  achieved   p50_ms    p99_ms  p99.9_ms  cpu_s/1k  pipe_cpu_s  prod_cpu_s  brkr_cpu_s"
            + "  backlog  verify%  sustainable\n"
        for (i, s) in steps.enumerated() {
            let verify = s.stages.shares.first { $0.0 == "verify" }?.1 ?? 0
            out += pad(String(i + 1), 4) + pad(fmt(s.offered, 0), 9) + pad(fmt(s.produced, 0), 10) + pad(fmt(s.achieved, 0), 10)
                + pad(fmt(s.p50Ms, 1), 9) + pad(fmt(s.p99Ms, 1), 10) + pad(fmt(s.p999Ms, 1), 10) + pad(fmt(s.cpuSPer1k, 3), 10)
                + pad(fmt(s.pipelineCPUS, 2), 12) + pad(fmt(s.producerCPUS, 2), 12) + pad(s.brokerCPUS.map { fmt($0, 2) } ?? "-", 12)
                + pad(String(s.backlogEnd), 9) + pad(fmt(verify * 100, 0), 9) + "  " + (s.sustainable ? "yes" : "NO") + "\n"
        }
        out += "\nverification capacity (\(cores) cores, in-process): "
            + capacityDetail.perAlgorithm.map { "\($0.name) \(Int($0.perSecond))/s" }.joined(separator: ", ")
            + " → \(fmt(capacityBefore, 0)) events/s for \(mix) before the ladder, \(fmt(capacityAfter, 0)) after; mean \(fmt(capacity, 0))\n"
        out += "max sustainable: \(fmt(maxSustainable, 0)) events/s = \(fmt(capacity > 0 ? maxSustainable / capacity * 100 : 0, 1)) % of verification capacity (goal ≥ 90 %)\n"
        if let s = bestStep {
            out += "  the producer and broker children kept \(fmt(s.otherProcessesCores, 2)) of \(cores) cores busy at that step; "
                + "the capacity of the cores left is \(fmt(capacityLeftToPipeline, 0)) events/s, "
                + "and max sustainable is \(fmt(capacityLeftToPipeline > 0 ? maxSustainable / capacityLeftToPipeline * 100 : 0, 1)) % of it\n"
        }
        if let s = stepNear80 {
            out += "p99 at \(fmt(s.offered / capacity * 100, 0)) % of capacity (\(fmt(s.offered, 0)) events/s): \(fmt(s.p99Ms, 1)) ms (goal < 250 ms at 80 %)\n"
        }
        out += "stage share (all windows): " + stageShare.map { "\($0.0) \(fmt($0.1 * 100, 1)) %" }.joined(separator: ", ") + "\n"
        out += "  decode/verify = CPU time summed over judge workers; aggregate = in-order apply (rule 7, windows, outputs);\n"
        out += "  produce_commit = time the pipeline task waited for output deliveries before storing offsets.\n"
        out += "cpu_s/1k = pipeline CPU (user+sys of this process: the pipeline and its librdkafka clients) per 1000 counted\n"
        out += "  events; pipe_cpu_s, prod_cpu_s, brkr_cpu_s = CPU seconds in the window of this process, of the bench produce\n"
        out += "  child that offered the pre-signed events\(mockBroker ? " and of the streamproc mock-broker child" : " (brokers given: no broker figure)").\n"
        out += "  Latency = counted time − record CreateTime (ms), stamped by the producer child.\n"
        out += "chart: \(svg)\n"
        return out
    }

    private func pad(_ s: String, _ w: Int) -> String {
        String(repeating: " ", count: max(0, w - s.count)) + s
    }
}
