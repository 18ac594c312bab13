import ScanRules
import KafkaIO
import LiveView
import Aggregates
import AsyncAlgorithms
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// The main job (`streamproc run`): subscribe → decode → verify on all cores
/// → count → outputs, with at-least-once offsets.
///
/// One task drives the loop. A batch from the consumer's poll thread is
/// judged in parallel (``ParallelJudge``: rules 1–6 on every core), then
/// applied in order on this task (rule 7, window counters, outputs), so
/// per-partition order holds for window state and offsets. Output records are
/// handed to the producer and their delivery is awaited a few batches later,
/// overlapping the broker round trip with the next batch's verification.
///
/// Offsets: a partition's offset is stored (and auto-committed by librdkafka)
/// only once every output record caused by the records before it is
/// acknowledged, and never past the first record of a window pane that is
/// still open; so a crash replays what was not yet emitted (at-least-once:
/// after a crash a downstream sum may count an event twice; exactly-once is
/// future work). On revocation and on shutdown the open panes of the
/// partitions that go are emitted (`closed_by` `revocation`/`shutdown`) and
/// the offset after the last processed record is committed: counts records
/// are additive, so the next owner's records sum with them exactly.
public final class Pipeline: Service, Sendable {
    /// The resolved configuration.
    public let configuration: PipelineConfiguration
    /// Scenario and district tables.
    public let reference: ReferenceData
    /// The live view the HTTP server and the terminal summary read.
    public let live: LiveState
    /// Prometheus series; `nil` runs without metrics.
    public let metrics: StreamProcMetrics?
    /// Optional observer of counted batches (the benchmark's latency probe).
    public let observer: (any PipelineObserver)?
    private let engine: Mutex<VerdictEngine>
    private let logger: Logger

    /// - Parameters:
    ///   - configuration: validated configuration (``PipelineConfiguration/validate()``).
    ///   - registry: the key registry; replace it with ``reloadRegistry(_:)``.
    ///   - reference: scenario and district tables.
    ///   - live: where the live view is published.
    ///   - metrics: Prometheus series, or `nil`.
    ///   - observer: a probe called after each batch is counted, or `nil`.
    ///   - logger: the pipeline's logger.
    public init(configuration: PipelineConfiguration, registry: KeyRegistry, reference: ReferenceData,
                live: LiveState, metrics: StreamProcMetrics?, observer: (any PipelineObserver)? = nil,
                logger: Logger) {
        self.configuration = configuration
        self.reference = reference
        self.live = live
        self.metrics = metrics
        self.observer = observer
        self.engine = Mutex(VerdictEngine(registry: registry, reference: reference, policy: configuration.policy))
        self.logger = logger
    }

    /// Replaces the key registry (SIGHUP): batches judged from now on use it.
    public func reloadRegistry(_ registry: KeyRegistry) {
        engine.withLock { $0 = VerdictEngine(registry: registry, reference: reference, policy: configuration.policy) }
    }

    private enum Input: Sendable {
        case kafka(KafkaConsumerEvent)
        case tick
    }

    private struct InFlight {
        var delivery: Task<Void, any Error>?
        var offsets: [(TopicPartition, Int64)]
    }

    /// Runs until graceful shutdown (or the input ends), then drains in-flight
    /// batches, emits open panes, flushes outputs, commits and closes.
    /// - Throws: ``KafkaError`` when a client cannot be created or an output
    ///   record cannot be delivered (nothing past it is committed then).
    public func run() async throws {
        let c = configuration
        guard let brokers = c.brokers else { throw ConfigurationError(message: "pipeline needs brokers") }
        var consumerConfig = KafkaConsumerConfiguration(
            bootstrapServers: brokers, groupID: c.groupID,
            subscription: c.topics.count == 1 && c.topics[0].hasPrefix("^") ? .regex(c.topics[0]) : .topics(c.topics))
        consumerConfig.maxBatchSize = c.maxBatch
        consumerConfig.acknowledgesRebalances = true
        consumerConfig.extra = c.consumerExtra
        let consumer = try KafkaConsumer(configuration: consumerConfig, logger: logger)
        var producerConfig = KafkaProducerConfiguration(bootstrapServers: brokers)
        producerConfig.compression = .lz4
        let producer = try KafkaProducer(configuration: producerConfig, logger: logger)
        let outputs = OutputRecords(
            countsTopic: c.countsTopic, rejectedTopic: c.rejectedTopic, processorID: c.processorID,
            scenarioIDs: reference.scenarios.map(\.id), districtCodes: reference.districts.map(\.code))
        let windowConfig = WindowConfiguration(
            scenarioCount: reference.scenarios.count, districtCount: reference.districts.count,
            allowedLatenessMs: c.allowedLatenessMs, idleTimeoutMs: c.idleTimeoutMs)
        var loop = Loop(pipeline: self, consumer: consumer, producer: producer, outputs: outputs,
                        windowConfig: windowConfig)
        logger.info("pipeline started", metadata: ["brokers": "\(brokers)", "topics": "\(c.topics)", "group": "\(c.groupID)"])

        let ticks = AsyncTimerSequence(interval: .seconds(1), clock: .continuous).map { _ in Input.tick }
        let inputs = merge(consumer.events.map { Input.kafka($0) }, ticks)
        var failure: (any Error)?
        do {
            for try await input in inputs.cancelOnGracefulShutdown() {
                switch input {
                case .tick: try await loop.tick()
                case .kafka(.batch(let batch)): try await loop.process(batch)
                case .kafka(.partitionsAssigned(let assignment)):
                    loop.assign(assignment.partitions)
                    assignment.start()
                case .kafka(.partitionsRevoked(let revocation)):
                    defer { revocation.finished() }
                    try await loop.release(revocation.partitions, closing: .revocation)
                }
            }
        } catch {
            failure = error
            logger.error("pipeline failed", metadata: ["error": "\(error)"])
        }
        // Drain and hand everything over, unless delivery itself failed.
        if failure == nil {
            do { try await loop.release(Array(loop.states.keys), closing: .shutdown) } catch { failure = error }
        }
        try? await producer.flush()
        do { try await consumer.close() } catch {
            logger.warning("consumer close failed", metadata: ["error": "\(error)"])
        }
        try? await producer.close()
        loop.publish(force: true)
        logger.info("pipeline stopped")
        if let failure { throw failure }
    }

    /// The loop's mutable state, owned by the run task.
    private struct Loop {
        let pipeline: Pipeline
        let consumer: KafkaConsumer
        let producer: KafkaProducer
        let outputs: OutputRecords
        let windowConfig: WindowConfiguration
        var states: [TopicPartition: PartitionState] = [:]
        var inFlight: [InFlight] = []
        var lastPublishNs: UInt64 = 0
        var totals = LiveTotals()
        /// Batches whose delivery may be outstanding before the loop waits.
        let maxInFlight = 4

        init(pipeline: Pipeline, consumer: KafkaConsumer, producer: KafkaProducer, outputs: OutputRecords,
             windowConfig: WindowConfiguration) {
            self.pipeline = pipeline
            self.consumer = consumer
            self.producer = producer
            self.outputs = outputs
            self.windowConfig = windowConfig
            self.totals = LiveTotals(scenarios: windowConfig.scenarioCount, districts: windowConfig.districtCount)
        }

        mutating func assign(_ tps: [TopicPartition]) {
            for tp in tps where states[tp] == nil {
                states[tp] = PartitionState(windows: windowConfig, policy: pipeline.configuration.policy)
            }
            publish(force: true)
        }

        /// Judges, counts and emits one batch.
        mutating func process(_ batch: KafkaBatch) async throws {
            let nowMs = WallClock.nowMs()
            let engine = pipeline.engine.withLock { $0 }
            let t0 = DispatchTime.now().uptimeNanoseconds
            let judge = ParallelJudge(engine: engine, workers: pipeline.configuration.workers)
            var timing = JudgeTiming()
            var judgements = await judge.judge(batch, nowMs: nowMs, timing: &timing)
            let t1 = DispatchTime.now().uptimeNanoseconds
            var messages: [KafkaProducerMessage] = []
            var touched: [TopicPartition] = []
            var current: TopicPartition?
            var state: PartitionState!
            var verdictCounts = [UInt64](repeating: 0, count: Verdict.count)
            var late: UInt64 = 0
            var unattributedCounts = [UInt64](repeating: 0, count: MalformedReason.count)
            for i in batch.indices {
                let record = batch[i]
                if current == nil || current!.partition != record.partition || current!.topic != record.topic {
                    let tp = record.topicPartition
                    current = tp
                    if let s = states[tp] {
                        state = s
                    } else {
                        // Records of a partition we were never told about: count them anyway.
                        state = PartitionState(windows: windowConfig, policy: pipeline.configuration.policy)
                        states[tp] = state
                    }
                    if !touched.contains(tp) { touched.append(tp) }
                }
                let placement = state.apply(&judgements[i], offset: record.offset, wallClockMs: nowMs)
                let j = judgements[i]
                verdictCounts[Int(j.verdict.rawValue)] += 1
                var rejectReason: String? = j.verdict == .valid ? nil : (j.reason?.name ?? j.verdict.name)
                switch placement {
                case .counted:
                    if let a = j.attribution { totals.count(scenario: a.scenario, district: a.district, verdict: j.verdict) }
                case .late:
                    late += 1
                    rejectReason = "late"
                case .unattributed(let reason):
                    totals.unattributed[Int(reason.rawValue)] += 1
                    unattributedCounts[Int(reason.rawValue)] += 1
                    rejectReason = reason.name
                }
                if let reason = rejectReason {
                    messages.append(outputs.rejected(record, verdict: j.verdict, reason: reason))
                }
            }
            for tp in touched { messages += close(tp, nowMs: nowMs) }
            let t2 = DispatchTime.now().uptimeNanoseconds
            totals.add(verdicts: verdictCounts, late: late)
            totals.judgeNs += t1 - t0
            totals.decodeCpuNs += timing.decodeNs
            totals.verifyCpuNs += timing.verifyNs
            totals.applyNs += t2 - t1
            if let m = pipeline.metrics {
                for v in Verdict.allCases where verdictCounts[Int(v.rawValue)] > 0 {
                    m.eventsByVerdict[Int(v.rawValue)].increment(by: Int64(verdictCounts[Int(v.rawValue)]))
                }
                if late > 0 { m.lateEvents.increment(by: Int64(late)) }
                for (i, n) in unattributedCounts.enumerated() where n > 0 {
                    m.unattributedByReason[i].increment(by: Int64(n))
                }
                for ns in timing.verifySamples { m.recordVerifyLatency(nanoseconds: Int64(ns)) }
            }
            pipeline.observer?.batchCounted(batch, judgements: judgements, atNs: t2)
            try await submit(messages, offsetsOf: touched)
            publish(force: false)
        }

        /// Advances a partition's watermark to the wall clock and returns the counts records of the panes it closed.
        mutating func close(_ tp: TopicPartition, nowMs: Int64) -> [KafkaProducerMessage] {
            guard let s = states[tp] else { return [] }
            let panes = s.windows.advance(wallClockMs: nowMs)
            s.forgetClosedPanes()
            return panes.flatMap { outputs.counts($0, source: tp, closing: .watermark) }
        }

        /// Hands output records to the producer and remembers which offsets they unlock.
        mutating func submit(_ messages: [KafkaProducerMessage], offsetsOf tps: [TopicPartition]) async throws {
            var offsets: [(TopicPartition, Int64)] = []
            for tp in tps { if let o = states[tp]?.committableOffset { offsets.append((tp, o)) } }
            let producer = self.producer
            let delivery: Task<Void, any Error>? = messages.isEmpty ? nil : Task { try await producer.sendBatch(messages) }
            inFlight.append(InFlight(delivery: delivery, offsets: offsets))
            while inFlight.count > maxInFlight { try await completeOldest() }
        }

        /// Awaits the oldest in-flight delivery, then stores the offsets it unlocks.
        mutating func completeOldest() async throws {
            let first = inFlight.removeFirst()
            if let d = first.delivery {
                let t0 = DispatchTime.now().uptimeNanoseconds
                try await d.value
                totals.deliveryWaitNs += DispatchTime.now().uptimeNanoseconds - t0
            }
            for (tp, next) in first.offsets where next > 0 {
                consumer.storeOffset(topic: tp.topic, partition: tp.partition, offset: next - 1)
            }
        }

        /// Once a second: idle partitions' watermarks follow the wall clock, closed panes go out.
        mutating func tick() async throws {
            let nowMs = WallClock.nowMs()
            var messages: [KafkaProducerMessage] = []
            let tps = Array(states.keys)
            for tp in tps { messages += close(tp, nowMs: nowMs) }
            try await submit(messages, offsetsOf: tps)
            // Settle every delivery so idle partitions commit too (once a second).
            while !inFlight.isEmpty { try await completeOldest() }
            publish(force: true)
        }

        /// Emits every open pane of `tps`, waits for every delivery, stores
        /// the offsets after the last processed records and forgets the
        /// partitions (revocation and shutdown).
        mutating func release(_ tps: [TopicPartition], closing: OutputRecords.Closing) async throws {
            var messages: [KafkaProducerMessage] = []
            for tp in tps {
                guard let s = states[tp] else { continue }
                for pane in s.windows.closeAll() { messages += outputs.counts(pane, source: tp, closing: closing) }
                s.paneFloors.removeAll()
            }
            try await submit(messages, offsetsOf: tps)
            while !inFlight.isEmpty { try await completeOldest() }
            for tp in tps { states[tp] = nil }
            publish(force: true)
        }

        /// Publishes the live view (at most every 500 ms unless forced).
        mutating func publish(force: Bool) {
            let now = DispatchTime.now().uptimeNanoseconds
            guard force || now &- lastPublishNs > 500_000_000 else { return }
            lastPublishNs = now
            let lag = consumer.lag()
            var partitions: [LivePartition] = []
            var views = [ViewCounts](repeating: ViewCounts(scenarioCount: windowConfig.scenarioCount,
                                                            districtCount: windowConfig.districtCount),
                                     count: RollingView.allCases.count)
            var edge: Int64?
            for (tp, s) in states {
                partitions.append(LivePartition(topic: tp.topic, partition: tp.partition,
                                                nextOffset: s.nextOffset >= 0 ? s.nextOffset : nil,
                                                committableOffset: s.committableOffset, lag: lag[tp],
                                                watermarkMs: s.windows.watermarkMs, events: s.events))
                for v in RollingView.allCases { views[v.rawValue].add(s.windows.view(v)) }
                if let e = s.windows.viewEdgeMs { edge = max(edge ?? e, e) }
                if let m = pipeline.metrics, let l = lag[tp] {
                    m.setPartition(topic: tp.topic, partition: tp.partition, lag: l,
                                   committedOffset: s.committableOffset ?? -1, watermarkMs: s.windows.watermarkMs ?? 0)
                }
            }
            partitions.sort { ($0.topic, $0.partition) < ($1.topic, $1.partition) }
            pipeline.live.publish(views: views, viewEdgeMs: edge, partitions: partitions, totals: totals)
            if let m = pipeline.metrics {
                m.setEventsPerSecond(pipeline.live.snapshot.eventsPerSecondHistory.last ?? 0)
            }
        }
    }
}

/// A probe the pipeline calls after each batch is counted (the benchmark's
/// produce-to-counted latency and stage timing). Called on the pipeline's
/// task: keep it cheap.
public protocol PipelineObserver: Sendable {
    /// - Parameters:
    ///   - batch: the batch, whose records carry their produce timestamps (ms).
    ///   - judgements: their final verdicts, in batch order.
    ///   - atNs: `DispatchTime` uptime nanoseconds when counting finished.
    func batchCounted(_ batch: KafkaBatch, judgements: [Judgement], atNs: UInt64)
}
