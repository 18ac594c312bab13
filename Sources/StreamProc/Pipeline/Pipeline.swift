import Aggregates
import KafkaIO
import LiveView
import ScanRules
import StateStore
import AsyncAlgorithms
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// The main job (`streamproc run`): subscribe → decode → verify on all cores
/// → count → outputs, with exactly-once state in a ``StateStore``.
///
/// One task drives the loop. A batch from the consumer's poll thread is judged in
/// parallel (``ParallelJudge``: rules 1–6 on every core), then applied in order on this
/// task (rule 7, window counters, outputs), so per-partition order holds for window state
/// and offsets. Judging is pipelined one batch deep (issue 11): when the next batch
/// arrives, its judging starts at once and the loop applies the previous batch while the
/// cores judge the new one. Before anything else the loop does (commit tick, assignment,
/// revocation, shutdown) every batch judged so far is applied, so the loop's order of
/// effects is exactly the sequential one.
///
/// Exactly-once state (issue 10; the Kafka consumer documentation's "storing offsets
/// outside Kafka"): on assignment each partition is claimed in the store (a new fencing
/// epoch), its open panes, rolling views, duplicate filter and watermark are restored, and
/// fetching starts at the stored offset — nothing of it is fetched before. Every commit
/// interval (`--commit-interval-ms`), the panes the watermark passed are written to the
/// counts topic, every output record is acknowledged by the broker, and then ONE store
/// transaction per partition with progress writes the closed panes, late and unattributed
/// increments, the new duplicate-filter ids, the open state and the next offset — only if
/// the epoch is still ours (a fenced partition is dropped). Kafka offsets are committed
/// afterwards for lag tools only. The acknowledgements and transactions of one commit run
/// beside the loop, which goes on processing and waits for them at the next interval (one
/// commit in flight; a store outage stops the loop within one interval). A crash replays from the stored offset with the stored
/// state: the store's counts are exact; the topics are at-least-once with deterministic
/// keys (effectively-once by key). A revocation commits and lets go; the next owner
/// continues the same open panes.
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
    /// Where partition state and offsets are committed.
    public let store: any StateStore
    private let engine: Mutex<VerdictEngine>
    private let logger: Logger

    /// - Parameters:
    ///   - configuration: validated configuration (``PipelineConfiguration/validate()``).
    ///   - registry: the key registry; replace it with ``reloadRegistry(_:)``.
    ///   - reference: scenario and district tables.
    ///   - store: the state store, migrated (``StateStore/migrate()``); an ``InMemoryStateStore``
    ///     keeps state for this process only.
    ///   - live: where the live view is published.
    ///   - metrics: Prometheus series, or `nil`.
    ///   - observer: a probe called after each batch is counted, or `nil`.
    ///   - logger: the pipeline's logger.
    public init(configuration: PipelineConfiguration, registry: KeyRegistry, reference: ReferenceData,
                store: any StateStore, live: LiveState, metrics: StreamProcMetrics?,
                observer: (any PipelineObserver)? = nil, logger: Logger) {
        self.configuration = configuration
        self.reference = reference
        self.store = store
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
        /// A batch's judging finished (``Loop/startJudging(_:)``).
        case judged
    }

    /// Runs until graceful shutdown (or the input ends), then commits every owned
    /// partition, flushes outputs and closes.
    /// - Throws: ``KafkaError`` when a client cannot be created or an output record cannot
    ///   be delivered; ``StoreError`` for a permanent store error (nothing past it is committed).
    public func run() async throws {
        let c = configuration
        guard let brokers = c.brokers else { throw ConfigurationError(message: "pipeline needs brokers") }
        var consumerConfig = KafkaConsumerConfiguration(
            bootstrapServers: brokers, groupID: c.groupID,
            subscription: c.topics.count == 1 && c.topics[0].hasPrefix("^") ? .regex(c.topics[0]) : .topics(c.topics))
        consumerConfig.maxBatchSize = c.maxBatch
        consumerConfig.acknowledgesRebalances = true
        consumerConfig.extra = c.consumerExtra
        consumerConfig.clientProperties = c.kafkaProperties
        let consumer = try KafkaConsumer(configuration: consumerConfig, logger: logger)
        var producerConfig = KafkaProducerConfiguration(bootstrapServers: brokers)
        producerConfig.compression = .lz4
        producerConfig.messageTimeoutMs = c.deliveryTimeoutMs
        producerConfig.clientProperties = c.kafkaProperties
        let producer = try KafkaProducer(configuration: producerConfig, logger: logger)
        // Readiness tells the truth while the loop waits (e.g. for deliveries during a broker
        // outage): the consumer's broker state is published every second, whatever the loop does.
        // While no broker is reachable it also says so every 10 s itself: librdkafka repeats
        // an identical connection error only now and then ("N identical errors suppressed").
        let live = self.live
        let logger = self.logger
        let brokerWatcher = Task {
            var lastWarning = ContinuousClock.now - .seconds(10)
            while !Task.isCancelled {
                let state = consumer.brokerState
                live.setKafkaState(brokers: state)
                if state.reachable == false, ContinuousClock.now - lastWarning >= .seconds(10) {
                    lastWarning = .now
                    logger.warning("Kafka brokers unreachable; retrying", metadata: [
                        "brokers": "\(brokers)", "reason": "\(state.reason ?? "unknown")",
                    ])
                }
                try? await Task.sleep(for: .seconds(1))
            }
        }
        defer { brokerWatcher.cancel() }
        var outputs = OutputRecords(
            countsTopic: c.countsTopic, rejectedTopic: c.rejectedTopic, processorID: c.processorID,
            scenarioIDs: reference.scenarios.map(\.id), districtCodes: reference.districts.map(\.code))
        outputs.maxMessageBytes = producerConfig.maxMessageBytes
        if let topic = c.verifiedTopic, let keyPath = c.pseudonymKeyPath {
            outputs.verified = (topic, VerifiedEventRecordBuilder(reference: reference,
                                                                  pseudonymKey: try PseudonymKey(contentsOfFile: keyPath)))
        }
        let windowConfig = WindowConfiguration(
            scenarioCount: reference.scenarios.count, districtCount: reference.districts.count,
            allowedLatenessMs: c.allowedLatenessMs, idleTimeoutMs: c.idleTimeoutMs)
        let (judged, judgedSignal) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        var loop = Loop(pipeline: self, consumer: consumer, producer: producer, outputs: outputs,
                        windowConfig: windowConfig, judgedSignal: judgedSignal)
        let store = self.store
        do {
            // Before the store ever answered, a refused login is a wrong --store URL: fail now
            // (later, a refusal is retried: the role may be fixed while the pipeline waits).
            // Graceful shutdown cancels the attempt instead of waiting out its timeout.
            let access = loop.store
            try await cancelWhenGracefulShutdown {
                try await access.retrying("migrate", giveUp: { $0.isRefusedLogin }) { try await store.migrate() }
            }
        } catch {
            try? await consumer.close()
            try? await producer.close()
            // Told to stop while the store was still unreachable at startup: nothing was
            // consumed, so there is nothing to commit and nothing failed.
            guard Task.isShuttingDownGracefully else { throw error }
            logger.notice("shut down before the state store was reachable; nothing was consumed")
            return
        }
        logger.info("pipeline started", metadata: ["brokers": "\(brokers)", "topics": "\(c.topics)", "group": "\(c.groupID)"])

        let ticks = AsyncTimerSequence(interval: .milliseconds(c.commitIntervalMs), clock: .continuous).map { _ in Input.tick }
        let inputs = merge(consumer.events.map { Input.kafka($0) }, ticks, judged.map { Input.judged })
        var failure: (any Error)?
        do {
            for try await input in inputs.cancelOnGracefulShutdown() {
                switch input {
                case .kafka(.batch(let batch)): try await loop.process(batch)
                case .judged: try await loop.applyJudged()
                case .tick:
                    try await loop.applyAllJudging()
                    try await loop.tick()
                case .kafka(.partitionsAssigned(let assignment)):
                    try await loop.applyAllJudging()
                    try await loop.assign(assignment)
                case .kafka(.partitionsRevoked(let revocation)):
                    defer { revocation.finished() }
                    try await loop.applyAllJudging()
                    try await loop.release(revocation.partitions, why: "revocation")
                }
            }
            try await loop.applyAllJudging()
        } catch {
            failure = error
            loop.pending?.task.cancel()
            try? await loop.finishCommit()
            let stoppedAt = loop.owned.values.map { "\($0.topicPartition)@\($0.committedOffset)" }.sorted()
            logger.error("pipeline failed; nothing after the committed offsets is counted", metadata: [
                "error": "\(error)", "committed_offsets": "\(stoppedAt)",
            ])
        }
        // Commit what was processed and hand the partitions over, unless delivery or the store failed.
        if failure == nil {
            logger.notice("draining: committing \(loop.owned.count) partitions")
            do { try await loop.release(Array(loop.owned.keys), why: "shutdown") } catch { failure = error }
        }
        logger.notice("flushing outputs")
        try? await producer.flush()
        do { try await consumer.close() } catch {
            logger.warning("consumer close failed", metadata: ["error": "\(error)"])
        }
        try? await producer.close()
        loop.publish(force: true)
        logger.notice(failure == nil ? "committed; pipeline stopped" : "pipeline stopped after a failure")
        if let failure { throw failure }
    }

    /// The loop's mutable state, owned by the run task.
    private struct Loop {
        let pipeline: Pipeline
        let consumer: KafkaConsumer
        let producer: KafkaProducer
        let outputs: OutputRecords
        let windowConfig: WindowConfiguration
        let names: StoreNames
        /// Partitions this instance owns (claimed in the store and restored).
        var owned: [TopicPartition: OwnedPartition] = [:]
        /// Partitions another instance claimed (fenced): their records are skipped until reassigned.
        var fenced: Set<TopicPartition> = []
        /// Deliveries of output records not yet awaited (or handed to a commit).
        var inFlight = InFlightOutputs()
        /// The commit running beside the loop, at most one.
        var pending: PendingCommit?
        var lastPublishNs: UInt64 = 0
        var lastMemorySampleNs: UInt64 = 0
        var totals = LiveTotals()
        /// Output records whose delivery may be outstanding before the loop waits for the
        /// oldest (bounded by records, not batches: a batch is 1…`maxBatch` records).
        let maxInFlightRecords = 20_000
        /// … and at most this many sends (one per batch with output records).
        let maxInFlightSends = 64
        /// Batches being judged beside the loop, oldest first (at most two, briefly).
        var judging: [JudgingBatch] = []
        /// Tells the loop that a batch's judging finished (an ``Input/judged``).
        let judgedSignal: AsyncStream<Void>.Continuation
        let store: StoreAccess
        /// Whether the store outlives this process (PostgreSQL), not ``InMemoryStateStore``.
        let durableStore: Bool

        init(pipeline: Pipeline, consumer: KafkaConsumer, producer: KafkaProducer, outputs: OutputRecords,
             windowConfig: WindowConfiguration, judgedSignal: AsyncStream<Void>.Continuation) {
            self.pipeline = pipeline
            self.judgedSignal = judgedSignal
            self.consumer = consumer
            self.producer = producer
            self.outputs = outputs
            self.windowConfig = windowConfig
            self.names = StoreNames(reference: pipeline.reference)
            self.totals = LiveTotals(scenarios: windowConfig.scenarioCount, districts: windowConfig.districtCount)
            self.durableStore = !(pipeline.store is InMemoryStateStore)
            self.store = StoreAccess(store: pipeline.store, live: pipeline.live, metrics: pipeline.metrics, logger: pipeline.logger)
        }

        // MARK: assignment

        /// Claims and restores every assigned partition, then lets the consumer start them
        /// at their stored offsets (partitions the store never saw start at Kafka's committed offset).
        mutating func assign(_ assignment: PartitionAssignment) async throws {
            try await finishCommit()
            var offsets: [TopicPartition: Int64] = [:]
            for tp in assignment.partitions {
                let t0 = DispatchTime.now().uptimeNanoseconds
                let p = try await restore(tp)
                owned[tp] = p
                fenced.remove(tp)
                if p.committedOffset >= 0 { offsets[tp] = p.committedOffset }
                pipeline.logger.info("partition restored", metadata: [
                    "partition": "\(tp)", "epoch": "\(p.epoch)", "next_offset": "\(p.committedOffset)",
                    "restore_ms": "\((DispatchTime.now().uptimeNanoseconds - t0) / 1_000_000)",
                    "duplicate_ids": "\(p.state.duplicates.count)",
                ])
            }
            assignment.start(at: offsets)
            pipeline.live.setKafkaState(brokers: consumer.brokerState, joinedGroup: true)
            publish(force: true)
        }

        /// Claims `tp` (new fencing epoch) and rebuilds its state from the store.
        mutating func restore(_ tp: TopicPartition) async throws -> OwnedPartition {
            let s = pipeline.store
            let owner = pipeline.configuration.processorID
            let claim = try await store.retrying("claim \(tp)") {
                try await s.claim(topic: tp.topic, partition: tp.partition, owner: owner)
            }
            var windows = PartitionWindows(configuration: windowConfig)
            var highest: Int64?
            if !claim.openState.isEmpty {
                let envelope = try OpenStateEnvelope.decode(claim.openState)
                highest = envelope.duplicateHighestMs
                let edge = try PartitionWindows.viewEdgeMs(openState: envelope.windows)
                let ranges = PartitionWindows.restoreRanges(viewEdgeMs: edge)
                let closed = try await store.retrying("restore \(tp)") {
                    try await s.loadClosed(topic: tp.topic, partition: tp.partition,
                                           minutes: ranges.minutesMs, hours: ranges.hoursMs)
                }
                let minutes = names.grouped(closed.minutes), hours = names.grouped(closed.hours)
                if minutes.skipped + hours.skipped > 0 {
                    pipeline.logger.warning("restore: stored rows of unknown scenarios or districts skipped",
                                            metadata: ["partition": "\(tp)", "rows": "\(minutes.skipped + hours.skipped)"])
                }
                windows = try PartitionWindows(configuration: windowConfig, openState: envelope.windows,
                                               closedMinutes: minutes.windows, closedHours: hours.windows)
            }
            let ids = try await store.retrying("restore \(tp)") {
                try await s.loadDuplicateIDs(topic: tp.topic, partition: tp.partition, sinceMs: .min)
            }
            let state = PartitionState(windows: windows, policy: pipeline.configuration.policy,
                                       duplicateIDs: ids.map { DuplicateEntry(hi: $0.hi, lo: $0.lo, scannedAtMs: $0.scannedAtMs) },
                                       duplicateHighestMs: highest)
            return OwnedPartition(tp, state: state, epoch: claim.epoch, sequence: claim.sequence,
                                  startOffset: claim.nextOffset)
        }

        // MARK: batches

        /// A batch being judged on the cooperative pool while the loop goes on.
        struct JudgingBatch {
            let batch: KafkaBatch
            /// The engine at the start (a SIGHUP reload applies to later batches).
            let engine: VerdictEngine
            /// Monotonic clock at the start, nanoseconds.
            let startNs: UInt64
            /// Set when ``task`` has its result.
            let finished: JudgeFinished
            /// The judgements in batch order and the workers' stage times.
            let task: Task<([Judgement], JudgeTiming), Never>
        }

        /// Starts judging `batch`, then applies every older batch, so that the cores judge
        /// this batch while the loop applies the previous one.
        mutating func process(_ batch: KafkaBatch) async throws {
            startJudging(batch)
            while judging.count > 1 { try await applyOldest() }
        }

        /// Rules 1–6 of `batch` on every core (``ParallelJudge``), in a task beside the loop;
        /// its end is signalled as ``Input/judged``.
        mutating func startJudging(_ batch: KafkaBatch) {
            let engine = pipeline.engine.withLock { $0 }
            let judge = ParallelJudge(engine: engine, workers: pipeline.configuration.workers)
            let finished = JudgeFinished()
            let signal = judgedSignal
            let task = Task {
                var timing = JudgeTiming()
                let judgements = await judge.judge(batch, nowMs: WallClock.nowMs(), timing: &timing)
                finished.set()
                signal.yield()
                return (judgements, timing)
            }
            judging.append(JudgingBatch(batch: batch, engine: engine, startNs: DispatchTime.now().uptimeNanoseconds,
                                        finished: finished, task: task))
        }

        /// Applies the batches whose judging finished, oldest first (a batch judged while the
        /// input is quiet is counted at once, not when the next batch or tick arrives).
        mutating func applyJudged() async throws {
            while let first = judging.first, first.finished.isSet { try await applyOldest() }
        }

        /// Applies every batch being judged, waiting for their judging: called before a commit
        /// tick, an assignment, a revocation or shutdown, which must see every batch received.
        mutating func applyAllJudging() async throws {
            while !judging.isEmpty { try await applyOldest() }
        }

        /// Counts and emits the oldest judged batch: the named steps below, in order.
        mutating func applyOldest() async throws {
            let next = judging.removeFirst()
            var (judgements, timing) = await next.task.value
            // The wall clock of counting (idle rule of spec §7, `verdict_at`), not of judging.
            let nowMs = WallClock.nowMs()
            let t1 = DispatchTime.now().uptimeNanoseconds
            let applied = apply(next.batch, &judgements, nowMs: nowMs, engine: next.engine)
            let t2 = DispatchTime.now().uptimeNanoseconds
            recordMetrics(applied, timing: timing, judgeNs: t1 - next.startNs, applyNs: t2 - t1)
            pipeline.observer?.batchCounted(next.batch, judgements: judgements, atNs: t2)
            try await submit(applied.messages)
            pipeline.live.noteProgress()
            publish(force: false)
        }

        /// What ``apply(_:_:nowMs:)`` produced for one batch.
        struct Applied {
            var messages: [KafkaProducerMessage] = []
            var verdicts = [UInt64](repeating: 0, count: Verdict.count)
            var late: UInt64 = 0
            var unattributed = [UInt64](repeating: 0, count: MalformedReason.count)
        }

        /// Rule 7 and the window counters in partition order, and the output records of
        /// every non-valid record (rejected topic) and late event (counts topic).
        mutating func apply(_ batch: KafkaBatch, _ judgements: inout [Judgement], nowMs: Int64,
                            engine: VerdictEngine) -> Applied {
            var out = Applied()
            var current: TopicPartition?
            var partition: OwnedPartition?
            for i in batch.indices {
                let record = batch[i]
                if current?.partition != record.partition || current?.topic != record.topic {
                    let tp = record.topicPartition
                    current = tp
                    partition = owned[tp]
                    if partition == nil && !fenced.contains(tp) {
                        pipeline.logger.warning("records of a partition that is not owned: skipped", metadata: ["partition": "\(tp)"])
                        fenced.insert(tp)
                    }
                }
                guard let p = partition else { continue }
                // Replayed records before the restored offset were already counted.
                if record.offset < p.state.nextOffset { continue }
                let placement = p.state.apply(&judgements[i], offset: record.offset, wallClockMs: nowMs)
                let j = judgements[i]
                out.verdicts[Int(j.verdict.rawValue)] += 1
                let ownReason = j.verdict == .valid ? nil : (j.reason?.name ?? j.verdict.name)
                if j.verdict == .valid, let v = outputs.verified,
                   let r = record.value.withUnsafeBytes({ v.builder.record(value: $0, judgement: j, decoder: engine.decoder, verdictAtMs: nowMs) }) {
                    out.messages.append(outputs.verifiedRecord(r, topic: v.topic, source: record))
                }
                switch placement {
                case .counted:
                    if let a = j.attribution { totals.count(scenario: a.scenario, district: a.district, verdict: j.verdict) }
                    if let reason = ownReason { out.messages.append(outputs.rejected(record, verdict: j.verdict, reason: reason)) }
                case .late:
                    out.late += 1
                    if let a = j.attribution {
                        out.messages.append(outputs.late(record, scenario: a.scenario, district: a.district, verdict: j.verdict,
                                                         windowStartMs: WallClock.paneStart(a.scannedAtMs)))
                    }
                    // Spec §7: a late event goes to the rejected topic; a late malformed one keeps its reason.
                    out.messages.append(outputs.rejected(record, verdict: j.verdict,
                                                         reason: j.verdict == .malformed ? (ownReason ?? "late") : "late",
                                                         late: true))
                case .unattributed(let reason):
                    totals.unattributed[Int(reason.rawValue)] += 1
                    out.unattributed[Int(reason.rawValue)] += 1
                    out.messages.append(outputs.rejected(record, verdict: j.verdict, reason: reason.name))
                }
            }
            return out
        }

        /// Live totals and Prometheus series of one batch.
        mutating func recordMetrics(_ a: Applied, timing: JudgeTiming, judgeNs: UInt64, applyNs: UInt64) {
            totals.add(verdicts: a.verdicts, late: a.late)
            totals.batches += 1
            totals.judgeNs += judgeNs
            totals.decodeCpuNs += timing.decodeNs
            totals.verifyCpuNs += timing.verifyNs
            totals.applyNs += applyNs
            guard let m = pipeline.metrics else { return }
            for v in Verdict.allCases where a.verdicts[Int(v.rawValue)] > 0 {
                m.eventsByVerdict[Int(v.rawValue)].increment(by: Int64(a.verdicts[Int(v.rawValue)]))
            }
            if a.late > 0 { m.lateEvents.increment(by: Int64(a.late)) }
            for (i, n) in a.unattributed.enumerated() where n > 0 {
                m.unattributedByReason[i].increment(by: Int64(n))
            }
            for ns in timing.verifySamples { m.recordVerifyLatency(nanoseconds: Int64(ns)) }
        }

        /// Hands output records to the producer; waits for the oldest delivery when too many are outstanding.
        mutating func submit(_ messages: [KafkaProducerMessage]) async throws {
            enqueue(messages)
            while inFlight.records > maxInFlightRecords || inFlight.sends > maxInFlightSends {
                try await awaitDelivery(inFlight.removeFirst())
            }
        }

        /// Hands output records to the producer without waiting; their delivery joins ``inFlight``.
        /// A record the broker or client refuses (too large, invalid) is logged, counted and
        /// skipped; it never stops its partition (issue 12).
        mutating func enqueue(_ messages: [KafkaProducerMessage]) {
            guard !messages.isEmpty else { return }
            let producer = self.producer
            let logger = pipeline.logger
            let metrics = pipeline.metrics
            inFlight.append(records: messages.count, Task {
                try await producer.sendBatch(messages) { index, error in
                    var meta: Logger.Metadata = ["error": "\(error)"]
                    if let i = index {
                        let m = messages[i]
                        meta["topic"] = "\(m.topic)"
                        for h in m.headers where h.name.hasPrefix("source.") {
                            meta[h.name] = "\(String(decoding: h.value ?? [], as: UTF8.self))"
                        }
                    }
                    logger.error("output record refused; skipped", metadata: meta)
                    metrics?.outputRecordsRefused.increment()
                }
            })
        }

        mutating func awaitDelivery(_ task: Task<Void, any Error>) async throws {
            let t0 = DispatchTime.now().uptimeNanoseconds
            try await task.value
            totals.deliveryWaitNs += DispatchTime.now().uptimeNanoseconds - t0
        }

        // MARK: commits

        /// A commit running beside the loop (``startCommit(_:handover:)``): it waits for the
        /// output records submitted up to its snapshot, then writes the snapshot to the store.
        struct PendingCommit {
            let commits: [PartitionCommit]
            /// Without a durable store: each partition's at-least-once restart offset at the
            /// snapshot (``PartitionState/committableOffset``), stored in Kafka once committed.
            let restartOffsets: [TopicPartition: Int64]
            let task: Task<[PartitionCommitOutcome], any Error>
        }

        /// Once per commit interval: the previous commit must have finished (so a store outage
        /// stops the loop after at most one more interval: bounded memory, no fetching past
        /// it); then the next one starts and the loop goes on processing while it runs.
        mutating func tick() async throws {
            try await finishCommit()
            startCommit(Array(owned.keys))
            publish(force: true)
        }

        /// Commits `tps` and waits for the outcome (revocation, shutdown).
        /// - Parameter handover: commit every partition of `tps` that processed anything, even
        ///   without progress since the last commit: the handover itself is then checked against
        ///   the fencing epoch, so a zombie learns it lost them.
        mutating func commit(_ tps: [TopicPartition], handover: Bool) async throws {
            try await finishCommit()
            startCommit(tps, handover: handover)
            try await finishCommit()
        }

        /// Closes what the watermark passed (spec §7), submits the closed panes to the counts
        /// topic and takes a snapshot of every partition of `tps` with progress; then a task
        /// waits until every output record submitted so far is acknowledged and commits the
        /// snapshot, one store transaction per partition. With nothing to commit the task probes
        /// a durable store instead, so an outage is noticed while idle too.
        mutating func startCommit(_ tps: [TopicPartition], handover: Bool = false) {
            let nowMs = WallClock.nowMs()
            let kafka = consumer.partitionOffsets()
            var messages: [KafkaProducerMessage] = []
            for tp in tps {
                guard let p = owned[tp] else { continue }
                // Spec §7: caught up = everything the broker had at its last fetch response was
                // processed. The cached log end counts only once a fetch response of this
                // assignment arrived (a record, or the partition's end reached): before that it
                // may be librdkafka's cache from an earlier assignment of the partition, and a
                // backlog behind a slow first fetch would turn late.
                let caughtUp = kafka[tp].map { o in
                    guard o.fetchedSinceAssignment else { return false }
                    return p.state.nextOffset >= 0 ? p.state.nextOffset >= o.high : o.high <= o.low
                } ?? false
                for pane in p.advance(wallClockMs: nowMs, caughtUp: caughtUp) {
                    messages += outputs.counts(pane, source: tp)
                }
            }
            enqueue(messages)
            let deliveries = inFlight.takeAll()
            let commits: [PartitionCommit] = tps.compactMap { tp in
                guard let p = owned[tp], handover || p.hasProgress else { return nil }
                return p.makeCommit(names: names)
            }
            var restartOffsets: [TopicPartition: Int64] = [:]
            if !durableStore {
                for c in commits {
                    let tp = TopicPartition(topic: c.topic, partition: c.partition)
                    restartOffsets[tp] = owned[tp]?.state.committableOffset ?? c.nextOffset
                }
            }
            let (access, live, metrics, probe) = (store, pipeline.live, pipeline.metrics, durableStore)
            let s = pipeline.store
            pending = PendingCommit(commits: commits, restartOffsets: restartOffsets, task: Task {
                for d in deliveries { try await d.value }
                guard !commits.isEmpty else {
                    if probe { try await access.retrying("health probe") { try await s.ping() } }
                    return []
                }
                let t0 = DispatchTime.now().uptimeNanoseconds
                let outcomes = try await access.retrying("commit") { try await s.commit(commits) }
                live.noteProgress()
                metrics?.recordCommitLatency(nanoseconds: Int64(DispatchTime.now().uptimeNanoseconds - t0))
                return outcomes
            })
        }

        /// Waits for the running commit, if any, and applies its outcome: committed offsets,
        /// Kafka offsets for lag tools, fenced partitions dropped.
        /// - Throws: a delivery error of an output record, or a permanent ``StoreError``.
        mutating func finishCommit() async throws {
            guard let p = pending else { return }
            pending = nil
            let outcomes = try await p.task.value
            for (c, outcome) in zip(p.commits, outcomes) {
                let tp = TopicPartition(topic: c.topic, partition: c.partition)
                guard let o = owned[tp], o.epoch == c.epoch else { continue }
                switch outcome {
                case .committed(let seq), .alreadyCommitted(let seq):
                    o.committed(c, sequence: seq)
                    // A durable store is the source of truth: Kafka's offset is for lag tools. With
                    // state in memory only, Kafka's offset is where a restart begins: never past
                    // the first record of an open pane (at-least-once).
                    let kafkaNext = durableStore ? c.nextOffset : (p.restartOffsets[tp] ?? c.nextOffset)
                    if kafkaNext > 0 { consumer.storeOffset(topic: tp.topic, partition: tp.partition, offset: kafkaNext - 1) }
                case .fenced(let current):
                    pipeline.logger.error("partition fenced: another instance claimed it; dropping it and its uncommitted work",
                                          metadata: ["partition": "\(tp)", "our_epoch": "\(c.epoch)", "current_epoch": "\(current)"])
                    owned[tp] = nil
                    fenced.insert(tp)
                }
            }
        }

        /// Commits `tps` and forgets them (revocation, shutdown). Their open panes stay
        /// open in the store for the next owner.
        mutating func release(_ tps: [TopicPartition], why: String) async throws {
            try await commit(tps, handover: true)
            for tp in tps { owned[tp] = nil }
            if !tps.isEmpty { pipeline.logger.info("partitions released", metadata: ["partitions": "\(tps)", "why": "\(why)"]) }
            publish(force: true)
        }

        // MARK: live view

        /// Publishes the live view (at most every 500 ms unless forced).
        mutating func publish(force: Bool) {
            let now = DispatchTime.now().uptimeNanoseconds
            guard force || now &- lastPublishNs > 500_000_000 else { return }
            lastPublishNs = now
            let kafka = consumer.partitionOffsets()
            var partitions: [LivePartition] = []
            var views = [ViewCounts](repeating: ViewCounts(scenarioCount: windowConfig.scenarioCount,
                                                            districtCount: windowConfig.districtCount),
                                     count: RollingView.allCases.count)
            var edge: Int64?
            var open = ViewCounts(scenarioCount: windowConfig.scenarioCount, districtCount: windowConfig.districtCount)
            var openEdge: Int64?
            for (tp, p) in owned {
                let s = p.state
                // Lag from what this instance processed (or restored) and the broker's log end.
                let lag = kafka[tp].map { o in max(0, o.high - max(s.nextOffset, o.low)) }
                partitions.append(LivePartition(topic: tp.topic, partition: tp.partition,
                                                nextOffset: s.nextOffset >= 0 ? s.nextOffset : nil,
                                                committableOffset: p.committedOffset >= 0 ? p.committedOffset : nil, lag: lag,
                                                watermarkMs: s.windows.watermarkMs, events: s.events))
                for v in RollingView.allCases { views[v.rawValue].add(s.windows.view(v)) }
                if let e = s.windows.viewEdgeMs { edge = max(edge ?? e, e) }
                open.add(s.windows.openCounts())
                if let e = s.windows.openEdgeMs { openEdge = max(openEdge ?? e, e) }
                if let m = pipeline.metrics {
                    m.setPartition(topic: tp.topic, partition: tp.partition, lag: lag,
                                   committedOffset: p.committedOffset, watermarkMs: s.windows.watermarkMs)
                }
            }
            partitions.sort { ($0.topic, $0.partition) < ($1.topic, $1.partition) }
            pipeline.live.setKafkaState(brokers: consumer.brokerState)
            pipeline.live.publish(views: views, viewEdgeMs: edge, provisional: open, provisionalEdgeMs: openEdge,
                                  partitions: partitions, totals: totals)
            if let m = pipeline.metrics {
                m.setEventsPerSecond(pipeline.live.snapshot.eventsPerSecondHistory.last ?? 0)
                // mallinfo2 walks the arenas' free lists: every 5 s, not every publication.
                if now &- lastMemorySampleNs >= 5_000_000_000 {
                    lastMemorySampleNs = now
                    m.setMemory(residentBytes: MallocTuning.residentBytes(), heapInUseBytes: MallocTuning.heapInUseBytes())
                }
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
