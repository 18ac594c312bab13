import LoadKit
import StateStore
import ScanRules
import KafkaIO
import LiveView
import Aggregates
import ArgumentParser
import Dispatch
import Foundation
import Logging
import StreamProc

/// `bench run [--brokers B] [--quick] [--json] [--svg FILE] [--partitions P] [--mix …]`:
/// the end-to-end capacity test. Starts the embedded librdkafka mock cluster when no
/// broker is given, runs the streamproc ``Pipeline`` in-process, and steps the offered
/// rate up (×`--factor`, default 1.5, from `--start-fraction` of the measured
/// verification capacity) until a step is unsustainable (``RunStepResult/isSustainable(achieved:offered:backlogMid:backlogEnd:p99Ms:maxP99Ms:)``),
/// then bisects `--refine` (default 2) steps between the best sustainable and the
/// lowest unsustainable rate (the ×1.5 ladder alone resolves the limit only to 50 %).
///
/// Per step: events are pre-signed right before the step (``LoadGenerator/generate(count:)``,
/// event time starting at the planned step start), then offered at the step's rate by
/// ``RunLoadDriver`` on its own thread; after a warm-up the window measures achieved
/// events/s, produce-to-counted latency p50/p99/p99.9 (``RunObserver``, HdrHistogram),
/// process CPU seconds per 1000 events (getrusage: includes the load thread and
/// librdkafka) and stage time shares (``RunStageShare``).
///
/// Output: a table (or with `--json` one line in ``MeasuredRun``'s shape plus
/// `verification_capacity_events_per_s`, `ratio_to_capacity` and `mix`), and an SVG chart
/// (``ThroughputChart``, default `bench-run.svg`).
struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "End-to-end capacity test: offered vs achieved rate, latency, CPU per event, stage shares.")

    @Option(help: "librdkafka properties file (SASL, TLS …) for every Kafka client of the run (as streamproc --kafka-config).")
    var kafkaConfig: String?
    @Option(help: "Exactly-once state store URL (postgres://user[:password]@host:port/db); default: in memory.")
    var store: String?
    @Option(help: "Kafka bootstrap servers; default: an embedded mock cluster in-process (topics must exist on a real cluster).")
    var brokers: String?
    @Flag(help: "Short steps (8 s after a 2 s warm-up): finishes within ~3 minutes.")
    var quick = false
    @Flag(help: "Print one final JSON line (MeasuredRun shape) on standard output.")
    var json = false
    @Option(help: "SVG chart file (offered vs achieved, latency percentiles).")
    var svg = "bench-run.svg"
    @Option(help: "Partitions of the input and output topics of the embedded cluster.")
    var partitions = 4
    @Option(help: "Algorithm mix of the valid codes.")
    var mix = "SM2=0.8,ES256=0.1,Ed25519=0.1"
    @Option(help: "Input topic.")
    var topic = "ykm.scans"
    @Option(help: "Measured seconds per step (default 15; --quick 8).")
    var stepSeconds: Double?
    @Option(help: "Warm-up seconds before each step's window (default 3; --quick 2).")
    var warmupSeconds: Double?
    @Option(help: "First offered rate as a fraction of the measured verification capacity.")
    var startFraction = 0.25
    @Option(help: "Rate factor between steps.")
    var factor = 1.5
    @Option(help: "Stop after this many unsustainable steps.")
    var maxUnsustainable = 1
    @Option(help: "A step whose p99 latency exceeds this many ms is not sustainable.")
    var maxP99Ms = 1_000.0
    @Option(help: "At most this many steps.")
    var maxSteps = 12
    @Option(help: "After the ladder stops, bisect this many steps between the best sustainable and the lowest unsustainable rate.")
    var refine = 2
    @Option(help: "Consumer fetch.wait.max.ms (default 5 with the embedded mock cluster, librdkafka's 500 with --brokers).")
    var fetchWaitMs: Int?

    func run() async throws {
        let mixValue: LoadAlgorithmMix
        do { mixValue = try LoadAlgorithmMix(parsing: mix) } catch { throw ValidationError("--mix: \(error)") }
        guard factor > 1, startFraction > 0, partitions >= 1, maxSteps >= 1 else {
            throw ValidationError("--factor must be > 1, --start-fraction > 0, --partitions and --max-steps ≥ 1")
        }
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let stepS = stepSeconds ?? (quick ? 8 : 15)
        let warmS = warmupSeconds ?? (quick ? 2 : 3)
        var logger = Logger(label: "bench.run")
        logger.logLevel = .warning

        // 1. Verification capacity on all cores, in-process.
        RunProgress.line("bench run: \(cores) cores, mix \(mixValue), steps of \(fmt(stepS, 0)) s after \(fmt(warmS, 0)) s warm-up")
        RunProgress.line("measuring verification capacity (\(cores) threads, \(quick ? 1 : 2) s per algorithm)…")
        let cap = try RunCapacity.measure(cores: cores, seconds: quick ? 1 : 2)
        let capacity = cap.capacity(for: mixValue)
        RunProgress.line("verification capacity: " + cap.perAlgorithm.map { "\($0.name) \(Int($0.perSecond))/s" }.joined(separator: ", ")
                         + " → \(Int(capacity)) events/s for the mix")
        guard capacity > 0 else { throw RunError("verification capacity measured as 0") }

        // 2. Cluster, pipeline, load.
        let startedMs = WallClock.nowMs()
        var pc = PipelineConfiguration()
        var cluster: EmbeddedKafkaCluster?
        let bootstrap: String
        if let b = brokers {
            bootstrap = b
        } else {
            let c = try EmbeddedKafkaCluster(brokers: 1, topics: [topic: partitions, pc.countsTopic: partitions,
                                                                  pc.rejectedTopic: partitions])
            cluster = c
            bootstrap = c.bootstrapServers
        }
        let seed: UInt64 = 0x6265_6E63_6872_756E
        let keyGen = try LoadGenerator(WorkloadConfiguration(seed: seed, mix: mixValue, startMs: startedMs))
        let registry = try KeyRegistry(json: keyGen.registryJSON())
        pc.brokers = bootstrap
        pc.topics = [topic]
        pc.groupID = "bench-run-\(startedMs)"
        pc.workers = cores
        pc.summaryIntervalS = 0
        // The mock broker answers an empty fetch only after the full fetch.wait.max.ms
        // (default 500 ms) even when records arrive meanwhile; a real broker answers as
        // soon as fetch.min.bytes are there. Keep the mock's hold short.
        if let w = fetchWaitMs ?? (brokers == nil ? 5 : nil) { pc.consumerExtra["fetch.wait.max.ms"] = String(w) }
        var loadProducerConfig = KafkaProducerConfiguration(bootstrapServers: bootstrap)
        if let path = kafkaConfig {
            let props = try KafkaClientProperties(contentsOfFile: path)
            try props.validate()
            pc.kafkaProperties = props
            loadProducerConfig.clientProperties = props
        }
        let reference = try ReferenceData(scenariosFile: nil, districtsFile: nil)
        let live = LiveState(startedAtMs: startedMs)
        let observer = RunObserver()
        let stateStore: any StateStore
        if let url = store {
            let postgres = PostgresStateStore(location: try StoreLocation(parsing: url), logger: logger)
            Task { await postgres.run() }
            stateStore = postgres
        } else {
            stateStore = InMemoryStateStore()
        }
        let pipeline = Pipeline(configuration: pc, registry: registry, reference: reference, store: stateStore,
                                live: live, metrics: nil, observer: observer, logger: logger)
        let pipelineTask = Task { try await pipeline.run() }
        let producer = try KafkaProducer(configuration: loadProducerConfig, logger: logger)
        let driver = RunLoadDriver(producer: producer, topic: topic)
        let events = RunEvents(seed: seed, mix: mixValue)

        // 3. Prime: the consumer joins its group and the first batches go through.
        RunProgress.line("\(cluster == nil ? "brokers \(bootstrap)" : "embedded mock cluster \(bootstrap)"), topic \(topic) (\(partitions) partitions); priming…")
        let primeRate = 200.0
        driver.start(await events.make(rate: primeRate, count: 400, startMs: WallClock.nowMs()), rate: primeRate)
        guard await drain(driver: driver, observer: observer, timeoutS: 60, label: "priming") else {
            throw RunError("the pipeline counted \(observer.counted) of \(driver.produced) priming events within 60 s")
        }

        // 4. The ladder.
        var steps: [RunStepResult] = []
        var rate = capacity * startFraction
        var signRate = 8_000.0
        var failed = 0
        var index = 0
        var good: Double?, bad: Double?
        var refinesLeft = refine
        while index < maxSteps {
            index += 1
            let label = "step \(index) \(Int(rate))/s"
            let count = Int(rate * (warmS + stepS))
            let genS = Double(count) / signRate + 0.3
            let plannedMs = WallClock.nowMs() + Int64(genS * 1000)
            RunProgress.bar(label, fraction: 0, detail: "signing \(count) events (~\(fmt(genS, 1)) s)")
            let g0 = DispatchTime.now().uptimeNanoseconds
            let batch = await events.make(rate: rate, count: count, startMs: plannedMs)
            let genElapsed = Double(DispatchTime.now().uptimeNanoseconds - g0) / 1e9
            signRate = Double(count) / max(genElapsed, 0.01)
            let waitMs = plannedMs - WallClock.nowMs()
            if waitMs > 0 { try await Task.sleep(for: .milliseconds(waitMs)) }
            driver.start(batch, rate: rate)
            try await tick(label, seconds: warmS, detail: { _ in "warm-up, backlog \(backlog(driver, observer))" })

            let totals0 = live.snapshot.totals
            let cpu0 = processCPUSeconds()
            let produced0 = driver.produced
            observer.beginWindow()
            let t0 = DispatchTime.now().uptimeNanoseconds
            var backlogMid: Int64 = 0
            try await tick(label, seconds: stepS, detail: { elapsed in
                if elapsed < stepS / 2 { backlogMid = backlog(driver, observer) }
                return "\(fmt(elapsed, 1))/\(fmt(stepS, 0)) s, backlog \(backlog(driver, observer))"
            })
            let window = observer.endWindow()
            let duration = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
            let cpu = processCPUSeconds() - cpu0
            let producedRate = Double(driver.produced - produced0) / duration
            let backlogEnd = backlog(driver, observer)
            let achieved = Double(window.events) / duration
            let stages = RunStageShare(from: totals0, to: live.snapshot.totals)
            let ok = RunStepResult.isSustainable(achieved: achieved, offered: rate, backlogMid: backlogMid, backlogEnd: backlogEnd,
                                                 p99Ms: window.p99Ms, maxP99Ms: maxP99Ms)
            let step = RunStepResult(offered: rate, produced: producedRate, achieved: achieved,
                                     p50Ms: window.p50Ms, p99Ms: window.p99Ms, p999Ms: window.p999Ms,
                                     cpuSPer1k: window.events > 0 ? cpu / Double(window.events) * 1000 : 0,
                                     backlogMid: backlogMid, backlogEnd: backlogEnd, stages: stages, sustainable: ok)
            steps.append(step)
            RunProgress.line("\(label): achieved \(Int(achieved))/s, p99 \(fmt(window.p99Ms, 1)) ms, backlog \(backlogEnd) → \(ok ? "sustainable" : "NOT sustainable")")
            driver.stop()
            if ok { good = max(good ?? 0, rate) } else { bad = min(bad ?? .infinity, rate); failed += 1 }
            if failed >= maxUnsustainable {
                // Refinement: bisect between the best sustainable and the lowest unsustainable rate.
                guard refinesLeft > 0, let g = good, let b = bad, b > g * 1.05 else { break }
                refinesLeft -= 1
                rate = (g + b) / 2
            } else {
                rate *= factor
            }
            _ = await drain(driver: driver, observer: observer, timeoutS: quick ? 10 : 30, label: "draining")
        }

        // 5. Report. Capacity again (other load on the machine shifts both figures).
        driver.stop()
        _ = await drain(driver: driver, observer: observer, timeoutS: quick ? 10 : 30, label: "draining")
        RunProgress.line("measuring verification capacity again…")
        let capAfter = try RunCapacity.measure(cores: cores, seconds: quick ? 1 : 2)
        let capacityAfter = capAfter.capacity(for: mixValue)
        RunProgress.line("verification capacity after the ladder: " + capAfter.perAlgorithm.map { "\($0.name) \(Int($0.perSecond))/s" }.joined(separator: ", ")
                         + " → \(Int(capacityAfter)) events/s for the mix")
        let report = RunReport(steps: steps, capacity: (capacity + capacityAfter) / 2, capacityBefore: capacity,
                               capacityAfter: capacityAfter, cores: cores, mix: mixValue)
        let svgText = ThroughputChart.svg(steps: steps.map(\.measured),
                                          title: "streamproc bench run: \(cores) cores, \(mixValue)")
        do { try Data(svgText.utf8).write(to: URL(fileURLWithPath: svg)) } catch {
            RunProgress.line("cannot write \(svg): \(error)")
        }
        if json {
            print(report.jsonLine())
        } else {
            print(report.table(capacityDetail: cap, svg: svg, embedded: cluster != nil))
        }

        // 6. Shut down (best effort, bounded).
        driver.stop()
        pipelineTask.cancel()
        try? await producer.close(timeoutMs: 2_000)
        let deadline = DispatchTime.now().uptimeNanoseconds + 10_000_000_000
        let finished = RunFlag()
        Task { _ = try? await pipelineTask.value; finished.set() }
        while !finished.isSet && DispatchTime.now().uptimeNanoseconds < deadline {
            try? await Task.sleep(for: .milliseconds(50))
        }
        cluster?.stop()
    }

    /// Produced − counted records.
    private func backlog(_ d: RunLoadDriver, _ o: RunObserver) -> Int64 {
        Int64(d.produced) - Int64(o.counted)
    }

    /// Redraws the progress bar every 200 ms for `seconds`.
    private func tick(_ label: String, seconds: Double, detail: (Double) -> String) async throws {
        let t0 = DispatchTime.now().uptimeNanoseconds
        while true {
            let elapsed = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
            if elapsed >= seconds { break }
            RunProgress.bar(label, fraction: elapsed / seconds, detail: detail(elapsed))
            try await Task.sleep(for: .milliseconds(min(200, max(1, Int((seconds - elapsed) * 1000)))))
        }
    }

    /// Waits until the load thread is done and every produced record was counted.
    private func drain(driver: RunLoadDriver, observer: RunObserver, timeoutS: Double, label: String) async -> Bool {
        let t0 = DispatchTime.now().uptimeNanoseconds
        while true {
            let elapsed = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
            let b = backlog(driver, observer)
            if !driver.isRunning && b <= 0 { return true }
            if elapsed >= timeoutS { RunProgress.line("\(label): gave up after \(Int(timeoutS)) s, backlog \(b)"); return false }
            RunProgress.bar(label, fraction: elapsed / timeoutS, detail: "backlog \(b)")
            try? await Task.sleep(for: .milliseconds(100))
        }
    }

    /// User + system CPU seconds of the whole process (getrusage RUSAGE_SELF).
    private func processCPUSeconds() -> Double {
        var ru = rusage()
        getrusage(RUSAGE_SELF.rawValue, &ru)
        return Double(ru.ru_utime.tv_sec) + Double(ru.ru_utime.tv_usec) / 1e6
            + Double(ru.ru_stime.tv_sec) + Double(ru.ru_stime.tv_usec) / 1e6
    }
}

/// `String(format:)` with `digits` decimals.
func fmt(_ v: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", v) }
