import AsyncAlgorithms
import Dispatch
import KafkaIO
import ScanRules

/// The pipeline's first stage: judges each batch of the consumer (rules 1–6 on every core,
/// ``ParallelJudge``) while the loop still applies the previous one (rule 7, window counters,
/// outputs), so the cores keep verifying during the ordered, single-task part (issue 11,
/// pipeline saturation).
///
/// Events leave in the consumer's order: a batch, an assignment and a revocation are never
/// reordered, so per-partition order and the rebalance protocol are those of the consumer.
/// The stage runs at most one batch ahead of the loop: ``AsyncThrowingChannel/send(_:)``
/// suspends until the loop takes the previous element, which bounds memory and the
/// verdicts judged with a registry the loop has since replaced by one batch.
///
/// Threading: one task on Swift's cooperative pool (judging is pure CPU work); the
/// consumer's blocking polls stay on its own thread.
struct JudgeStage: Sendable {
    /// One element handed to the loop.
    enum Output: Sendable {
        /// A judged batch.
        case batch(JudgedBatch)
        /// Partitions assigned: the loop restores them and starts fetching.
        case assigned(PartitionAssignment)
        /// Partitions revoked: the loop commits and releases them, then calls `finished()`.
        case revoked(PartitionRevocation)
    }

    /// The current verdict engine (a ``VerdictEngine`` replaced on SIGHUP), read once per batch.
    let engine: @Sendable () -> VerdictEngine
    /// Chunks per batch for ``ParallelJudge``.
    let workers: Int

    /// Starts the stage over `events`; the returned channel finishes when they end and fails
    /// with their error. Cancel the returned task to stop the stage.
    func start(_ events: KafkaConsumerEvents) -> (AsyncThrowingChannel<Output, any Error>, Task<Void, Never>) {
        let channel = AsyncThrowingChannel<Output, any Error>()
        let task = Task { [self] in
            do {
                for try await event in events {
                    if Task.isCancelled { break }
                    switch event {
                    case .batch(let b): await channel.send(.batch(await judge(b)))
                    case .partitionsAssigned(let a): await channel.send(.assigned(a))
                    case .partitionsRevoked(let r): await channel.send(.revoked(r))
                    }
                }
                channel.finish()
            } catch {
                channel.fail(error)
            }
        }
        return (channel, task)
    }

    /// Judges one batch with the engine current now; `nowMs` is the wall clock of the batch.
    func judge(_ batch: KafkaBatch) async -> JudgedBatch {
        let nowMs = WallClock.nowMs()
        let t0 = DispatchTime.now().uptimeNanoseconds
        var timing = JudgeTiming()
        let engine = self.engine()
        let judgements = await ParallelJudge(engine: engine, workers: workers).judge(batch, nowMs: nowMs, timing: &timing)
        return JudgedBatch(batch: batch, judgements: judgements, engine: engine, nowMs: nowMs, timing: timing,
                           judgeNs: DispatchTime.now().uptimeNanoseconds - t0)
    }
}

/// A batch with the judgements of rules 1–6 (``JudgeStage``), waiting for the loop.
struct JudgedBatch: Sendable {
    /// The records, in the consumer's order.
    let batch: KafkaBatch
    /// One judgement per record, in batch order.
    var judgements: [Judgement]
    /// The engine that judged them (its decoder builds the verified-topic records).
    let engine: VerdictEngine
    /// Wall clock when judging began, **ms** since the epoch: `clock_ahead` was judged
    /// against it and the loop applies the batch with it.
    let nowMs: Int64
    /// Decode and verify CPU time of the workers.
    let timing: JudgeTiming
    /// Wall time of judging, **ns**.
    let judgeNs: UInt64
}
