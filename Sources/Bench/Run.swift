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
/// the end-to-end capacity test. Starts a `streamproc mock-broker` child process when no
/// broker is given, runs the streamproc ``Pipeline`` in-process, and steps the offered
/// rate up (×`--factor`, default 1.5, from `--start-fraction` of the measured
/// verification capacity) until a step is unsustainable (``RunStepResult/isSustainable(achieved:offered:backlogMid:backlogEnd:p99Ms:maxP99Ms:)``),
/// then bisects `--refine` (default 2) steps between the best sustainable and the
/// lowest unsustainable rate (the ×1.5 ladder alone resolves the limit only to 50 %).
///
/// Per step: events are pre-signed before the step (``RunEvents``, event time starting at
/// the planned step start) and written to files, then offered at the step's rate by a
/// `bench produce` child (``RunProducer``), so neither signing nor producing runs in the
/// measured process. After a warm-up the window measures achieved events/s,
/// produce-to-counted latency p50/p99/p99.9 (``RunObserver``, HdrHistogram), the pipeline's
/// CPU (this process, getrusage), the producer's and the mock broker's CPU apart
/// (`/proc/<pid>/stat`), and stage time shares (``RunStageShare``). Backlog = records the
/// producer reported enqueued − records counted; each step ends once the producer exited and
/// the pipeline counted every record it produced (or after a timeout).
///
/// Output: a table (or with `--json` one line in ``MeasuredRun``'s shape plus
/// `verification_capacity_events_per_s`, `ratio_to_capacity`, `mix` and each step's CPU
/// seconds per process), and an SVG chart (``ThroughputChart``, default `bench-run.svg`).
/// The children's logs stay in `$TMPDIR/bench-run-<pid>/`.
struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "End-to-end capacity test: offered vs achieved rate, latency, CPU per event, stage shares.")

    @Option(help: "librdkafka properties file (SASL, TLS …) for every Kafka client of the run (as streamproc --kafka-config).")
    var kafkaConfig: String?
    @Option(help: "Exactly-once state store URL (postgres://user[:password]@host:port/db); default: in memory.")
    var store: String?
    @Option(help: "Kafka bootstrap servers; default: a streamproc mock-broker child process (topics must exist on a real cluster).")
    var brokers: String?
    @Flag(help: "Short steps (8 s after a 2 s warm-up): finishes within ~3 minutes.")
    var quick = false
    @Flag(help: "Print one final JSON line (MeasuredRun shape) on standard output.")
    var json = false
    @Option(help: "SVG chart file (offered vs achieved, latency percentiles).")
    var svg = "bench-run.svg"
    @Option(help: "Partitions of the input and output topics of the mock broker.")
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
    @Option(help: "Consumer fetch.wait.max.ms (default 5 with the mock broker, librdkafka's 500 with --brokers).")
    var fetchWaitMs: Int?

    func run() async throws {
        let mixValue: LoadAlgorithmMix
        do { mixValue = try LoadAlgorithmMix(parsing: mix) } catch { throw ValidationError("--mix: \(error)") }
        guard factor > 1, startFraction > 0, partitions >= 1, maxSteps >= 1 else {
            throw ValidationError("--factor must be > 1, --start-fraction > 0, --partitions and --max-steps ≥ 1")
        }
        let binDirectory = try BenchChild.binDirectory()
        let benchPath = binDirectory + "/bench", streamprocPath = binDirectory + "/streamproc"
        if brokers == nil && !FileManager.default.isExecutableFile(atPath: streamprocPath) {
            throw ValidationError("\(streamprocPath) is missing (the mock broker runs as its child): build both products (swift build -c release)")
        }
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let stepS = stepSeconds ?? (quick ? 8 : 15)
        let warmS = warmupSeconds ?? (quick ? 2 : 3)
        var logger = Logger(label: "bench.run")
        logger.logLevel = .warning
        let workDirectory = NSTemporaryDirectory() + "bench-run-\(getpid())"
        try FileManager.default.createDirectory(atPath: workDirectory, withIntermediateDirectories: true)

        // 1. Verification capacity on all cores, in-process.
        RunProgress.line("bench run: \(cores) cores, mix \(mixValue), steps of \(fmt(stepS, 0)) s after \(fmt(warmS, 0)) s warm-up; logs \(workDirectory)")
        RunProgress.line("measuring verification capacity (\(cores) threads, \(quick ? 1 : 2) s per algorithm)…")
        let cap = try RunCapacity.measure(cores: cores, seconds: quick ? 1 : 2)
        let capacity = cap.capacity(for: mixValue)
        RunProgress.line("verification capacity: " + cap.perAlgorithm.map { "\($0.name) \(Int($0.perSecond))/s" }.joined(separator: ", ")
                         + " → \(Int(capacity)) events/s for the mix")
        guard capacity > 0 else { throw RunError("verification capacity measured as 0") }

        // 2. Broker (a child process unless --brokers), pipeline in-process.
        let startedMs = WallClock.nowMs()
        var pc = PipelineConfiguration()
        var broker: BenchChild?
        var load: RunProducer?
        RunChildSignals.install()
        do {
            let bootstrap: String
            if let b = brokers {
                bootstrap = b
            } else {
                let child = try BenchChild.mockBroker(streamproc: streamprocPath, partitions: partitions,
                                                      topics: [topic, pc.countsTopic, pc.rejectedTopic],
                                                      logPrefix: workDirectory + "/broker")
                broker = child
                RunChildSignals.broker.store(child.pid, ordering: .relaxed)
                bootstrap = try await child.firstStdoutLine(timeoutS: 30)
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
            if let path = kafkaConfig {
                let props = try KafkaClientProperties(contentsOfFile: path)
                try props.validate()
                pc.kafkaProperties = props
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
            let command = RunProducerCommand(benchPath: benchPath, brokers: bootstrap, topic: topic, kafkaConfig: kafkaConfig)
            let events = RunEvents(seed: seed, mix: mixValue)
            // Records produced by the steps whose producer finished (priming included).
            var producedBefore = 0

            // 3. Prime: the consumer joins its group and the first batches go through.
            RunProgress.line("\(broker == nil ? "brokers \(bootstrap)" : "mock broker child \(bootstrap)"), topic \(topic) (\(partitions) partitions); priming…")
            let primeRate = 200.0
            let prime = try RunProducer(events: await events.make(rate: primeRate, count: 400, startMs: WallClock.nowMs()),
                                        pathPrefix: workDirectory + "/prime", command: command)
            load = prime
            try prime.start(rate: primeRate)
            guard try await drain(prime, producedBefore: producedBefore, observer: observer, timeoutS: 60, label: "priming") else {
                let produced = try prime.produced()
                throw RunError("the pipeline counted \(observer.counted) of \(produced) priming events within 60 s")
            }
            producedBefore += await prime.finish()
            load = nil

            // 4. The ladder.
            var steps: [RunStepResult] = []
            var rate = capacity * startFraction
            var prepareRate = 8_000.0  // events signed and written per second, measured by the previous step
            var failed = 0
            var index = 0
            var good: Double?, bad: Double?
            var refinesLeft = refine
            while index < maxSteps {
                index += 1
                let label = "step \(index) \(Int(rate))/s"
                let count = Int(rate * (warmS + stepS))
                let prepS = Double(count) / prepareRate + 0.3
                let plannedMs = WallClock.nowMs() + Int64(prepS * 1000)
                RunProgress.bar(label, fraction: 0, detail: "signing and writing \(count) events (~\(fmt(prepS, 1)) s)")
                let g0 = DispatchTime.now().uptimeNanoseconds
                let step = try RunProducer(events: await events.make(rate: rate, count: count, startMs: plannedMs),
                                           pathPrefix: workDirectory + "/step\(index)", command: command)
                load = step
                let prepElapsed = Double(DispatchTime.now().uptimeNanoseconds - g0) / 1e9
                prepareRate = Double(count) / max(prepElapsed, 0.01)
                let waitMs = plannedMs - WallClock.nowMs()
                if waitMs > 0 { try await Task.sleep(for: .milliseconds(waitMs)) }
                try step.start(rate: rate)
                let before = producedBefore
                try await tick(label, seconds: warmS, detail: { _ in
                    "warm-up, backlog \(try backlog(step, producedBefore: before, observer: observer))"
                })

                let totals0 = live.snapshot.totals
                let cpu0 = processCPUSeconds()
                let producerCPU0 = step.cpuSeconds
                let brokerCPU0 = broker?.cpuSeconds ?? 0
                let produced0 = try step.produced()
                observer.beginWindow()
                let t0 = DispatchTime.now().uptimeNanoseconds
                var backlogMid: Int64 = 0
                try await tick(label, seconds: stepS, detail: { elapsed in
                    let b = try backlog(step, producedBefore: before, observer: observer)
                    if elapsed < stepS / 2 { backlogMid = b }
                    return "\(fmt(elapsed, 1))/\(fmt(stepS, 0)) s, backlog \(b)"
                })
                let window = observer.endWindow()
                let duration = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
                let cpu = processCPUSeconds() - cpu0
                let producerCPU = step.cpuSeconds - producerCPU0
                let brokerCPU = broker.map { ($0.cpuSeconds ?? brokerCPU0) - brokerCPU0 }
                let produced1 = try step.produced()
                let producedRate = Double(produced1 - produced0) / duration
                let backlogEnd = try backlog(step, producedBefore: before, observer: observer)
                let achieved = Double(window.events) / duration
                let totals1 = live.snapshot.totals
                let stages = RunStageShare(from: totals0, to: totals1)
                let batches = totals1.batches &- totals0.batches
                let meanBatch = batches > 0 ? Double(totals1.events &- totals0.events) / Double(batches) : 0
                let ok = RunStepResult.isSustainable(achieved: achieved, offered: rate, backlogMid: backlogMid, backlogEnd: backlogEnd,
                                                     p99Ms: window.p99Ms, maxP99Ms: maxP99Ms)
                let result = RunStepResult(offered: rate, produced: producedRate, achieved: achieved,
                                           p50Ms: window.p50Ms, p99Ms: window.p99Ms, p999Ms: window.p999Ms,
                                           fetchedP99Ms: window.fetchedP99Ms,
                                           cpuSPer1k: window.events > 0 ? cpu / Double(window.events) * 1000 : 0,
                                           pipelineCPUS: cpu, producerCPUS: producerCPU, brokerCPUS: brokerCPU,
                                           windowS: duration, backlogMid: backlogMid, backlogEnd: backlogEnd, stages: stages, sustainable: ok)
                steps.append(result)
                RunProgress.line("\(label): achieved \(Int(achieved))/s, p99 \(fmt(window.p99Ms, 1)) ms (fetched \(fmt(window.fetchedP99Ms, 1))), mean batch \(Int(meanBatch)), backlog \(backlogEnd), "
                                 + "CPU s pipeline \(fmt(cpu, 2)) producer \(fmt(producerCPU, 2))"
                                 + (brokerCPU.map { " broker \(fmt($0, 2))" } ?? "") + " → \(ok ? "sustainable" : "NOT sustainable")")
                if ok { good = max(good ?? 0, rate) } else { bad = min(bad ?? .infinity, rate); failed += 1 }
                let stop: Bool
                if failed >= maxUnsustainable {
                    // Refinement: bisect between the best sustainable and the lowest unsustainable rate.
                    if refinesLeft > 0, let g = good, let b = bad, b > g * 1.05 {
                        refinesLeft -= 1
                        rate = (g + b) / 2
                        stop = false
                    } else {
                        stop = true
                    }
                } else {
                    rate *= factor
                    stop = false
                }
                _ = try await drain(step, producedBefore: before, observer: observer, timeoutS: quick ? 10 : 30, label: "draining")
                producedBefore += await step.finish()
                load = nil
                if stop { break }
            }

            // 5. Report. Capacity again (other load on the machine shifts both figures).
            _ = try await drain(nil, producedBefore: producedBefore, observer: observer, timeoutS: quick ? 10 : 30, label: "draining")
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
                print(report.table(capacityDetail: cap, svg: svg, mockBroker: broker != nil))
            }

            // 6. Shut down (best effort, bounded).
            pipelineTask.cancel()
            let deadline = DispatchTime.now().uptimeNanoseconds + 10_000_000_000
            let finished = RunFlag()
            Task { _ = try? await pipelineTask.value; finished.set() }
            while !finished.isSet && DispatchTime.now().uptimeNanoseconds < deadline {
                try? await Task.sleep(for: .milliseconds(50))
            }
            RunChildSignals.broker.store(0, ordering: .relaxed)
            await broker?.stop()
        } catch {
            if let load { _ = await load.finish() }
            RunChildSignals.broker.store(0, ordering: .relaxed)
            await broker?.stop()
            throw error
        }
    }

    /// Records produced (by finished steps, `producedBefore`, plus what `load` reported) − records
    /// counted, never below 0. A lower bound: the producer child reports its count every 100 ms,
    /// so while records flow the counted ones can run ahead of the last report (by up to 100 ms
    /// of input; the figure read −3,500 at 36,000/s before it was floored), while nothing can
    /// be counted that was not produced.
    private func backlog(_ load: RunProducer?, producedBefore: Int, observer: RunObserver) throws -> Int64 {
        max(0, Int64(producedBefore + (try load?.produced() ?? 0)) - Int64(observer.counted))
    }

    /// Redraws the progress bar every 200 ms for `seconds`.
    private func tick(_ label: String, seconds: Double, detail: (Double) throws -> String) async throws {
        let t0 = DispatchTime.now().uptimeNanoseconds
        while true {
            let elapsed = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
            if elapsed >= seconds { break }
            RunProgress.bar(label, fraction: elapsed / seconds, detail: try detail(elapsed))
            try await Task.sleep(for: .milliseconds(min(200, max(1, Int((seconds - elapsed) * 1000)))))
        }
    }

    /// Waits until `load`'s producer child exited and every record produced was counted, at most
    /// `timeoutS` seconds; true when it got there.
    /// - Throws: ``RunError`` when the producer child failed.
    private func drain(_ load: RunProducer?, producedBefore: Int, observer: RunObserver, timeoutS: Double,
                       label: String) async throws -> Bool {
        let t0 = DispatchTime.now().uptimeNanoseconds
        while true {
            let elapsed = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
            let b = try backlog(load, producedBefore: producedBefore, observer: observer)
            if !(load?.isRunning ?? false) && b <= 0 { return true }
            if elapsed >= timeoutS { RunProgress.line("\(label): gave up after \(Int(timeoutS)) s, backlog \(b)"); return false }
            RunProgress.bar(label, fraction: elapsed / timeoutS, detail: "backlog \(b)")
            try? await Task.sleep(for: .milliseconds(100))
        }
    }

    /// User + system CPU seconds of this process (getrusage RUSAGE_SELF: the pipeline, not its children).
    private func processCPUSeconds() -> Double {
        var ru = rusage()
        getrusage(RUSAGE_SELF.rawValue, &ru)
        return Double(ru.ru_utime.tv_sec) + Double(ru.ru_utime.tv_usec) / 1e6
            + Double(ru.ru_stime.tv_sec) + Double(ru.ru_stime.tv_usec) / 1e6
    }
}

/// `String(format:)` with `digits` decimals.
func fmt(_ v: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", v) }
