import CLibrdkafka
import Logging

/// A Kafka consumer-group member on librdkafka's high-level consumer.
///
/// One dedicated thread per consumer makes all blocking librdkafka calls
/// (`rd_kafka_consume_batch_queue`, commits, close); Swift's cooperative pool never blocks.
/// Records arrive as `KafkaBatch`es through `events`, a bounded buffer of
/// `maxBufferedBatches` batches: when the processor lags, the poll thread stops taking
/// messages and librdkafka's prefetching stops at its own queue limits.
///
/// Offsets (at-least-once): `enable.auto.offset.store` is false, so only offsets the
/// processor passes to `storeOffset` are ever committed. Stored offsets are committed
/// (a) in the background every `autoCommitIntervalMs` when `enableAutoCommit` (default),
/// (b) by `commit()`, (c) synchronously when partitions are revoked, before they go,
/// (d) by `close()`. Stores for partitions no longer assigned are ignored.
///
/// Rebalances are explicit: `.partitionsAssigned(assignment)` waits for the processor's
/// ``PartitionAssignment/start(at:)`` (which may give the offsets to start from, e.g. from
/// a state store), `.partitionsRevoked(revocation)` for ``PartitionRevocation/finished()``.
/// The lifecycle is documented in ``StateMachine``.
public final class KafkaConsumer: Sendable {
    let core: KafkaConsumerCore

    /// Creates the consumer, subscribes, and starts its poll thread.
    /// Throws `KafkaError` (_INVALID_ARG for a bad property, or the subscribe error).
    public init(configuration: KafkaConsumerConfiguration, logger: Logger) throws {
        core = try KafkaConsumerCore(configuration: configuration, logger: logger)
        core.start()
    }

    deinit {
        let shouldWake = core.shared.withLock { s -> Bool in
            if s.machine.isClosing { return false }
            if case .wakePollThread = s.machine.closeRequested(nil) { return true }
            return false
        }
        if shouldWake { core.wake() }
    }

    /// Batches and rebalance events, in order; iterate from a single task.
    public var events: KafkaConsumerEvents { KafkaConsumerEvents(channel: core.channel) }

    /// Marks `offset` of `topic`/`partition` as processed: records up to and including
    /// `offset` are done, so `offset + 1` (Kafka's "next offset to consume") is stored for
    /// the next commit. Cheap (a locked dictionary write); the poll thread hands it to
    /// librdkafka. Ignored if the partition is no longer assigned by then.
    public func storeOffset(topic: String, partition: Int32, offset: Int64) {
        let tp = TopicPartition(topic: topic, partition: partition)
        core.pendingStores.withLock { p in
            let next = offset + 1
            if let old = p[tp], old > next { return }
            p[tp] = next
        }
    }

    /// Marks every record of `batch` as processed (`storeOffset` of each partition's last offset).
    public func storeOffsets(of batch: KafkaBatch) {
        let last = batch.lastOffsets
        core.pendingStores.withLock { p in
            for (tp, offset) in last {
                let next = offset + 1
                if let old = p[tp], old > next { continue }
                p[tp] = next
            }
        }
    }

    /// Commits the stored offsets (synchronous `rd_kafka_commit` on the poll thread).
    /// Throws `KafkaError` from the commit, or `_STATE` when the consumer is closed.
    public func commit() async throws {
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
            let accepted = core.shared.withLock { s -> Bool in
                if s.machine.isClosing { return false }
                s.commands.append(.commit(c))
                return true
            }
            if accepted {
                core.wake()
            } else {
                c.resume(throwing: KafkaError.closed("consumer"))
            }
        }
    }

    /// What the consumer last knew of its brokers (librdkafka statistics every second and
    /// error events such as `_ALL_BROKERS_DOWN`). Thread-safe.
    public var brokerState: KafkaBrokerState { core.brokers.withLock { $0 } }

    /// Offsets of one assigned partition as librdkafka knows them (no network call).
    public struct PartitionOffsets: Sendable, Equatable {
        /// The next offset the poll thread will take (`rd_kafka_position`); nil before the first fetch.
        public var position: Int64?
        /// The log start offset (low watermark) of the last fetch response.
        public var low: Int64
        /// The log end offset (high watermark) of the last fetch response: the offset the next produced record gets.
        public var high: Int64
        /// Whether a fetch response for the partition arrived since it was (last) assigned to
        /// this member: a record was consumed, or the end of the partition was reached
        /// (`RD_KAFKA_RESP_ERR__PARTITION_EOF`). Until then `low`/`high` may be librdkafka's
        /// cache from an earlier assignment, and must not be trusted for "caught up" (spec §7).
        public var fetchedSinceAssignment: Bool
    }

    /// Position and watermarks of every assigned partition whose watermarks are known, from
    /// librdkafka's cache (`rd_kafka_position`, `rd_kafka_get_watermark_offsets`, refreshed by
    /// fetch responses). Thread-safe; cheap (no network call).
    public func partitionOffsets() -> [TopicPartition: PartitionOffsets] { core.partitionOffsets() }

    /// Consumer lag per assigned partition: high watermark minus current position, in
    /// records. Uses librdkafka's cached watermarks (`rd_kafka_get_watermark_offsets`,
    /// refreshed by fetch responses; no network call) and `rd_kafka_position` (the next
    /// offset the poll thread will take, so records buffered in `events` are not counted
    /// as lag). Partitions without a known position or watermark are left out.
    public func lag() -> [TopicPartition: Int64] { core.lag() }

    /// Stops fetching, commits the stored offsets, leaves the group
    /// (`rd_kafka_consumer_close`) and destroys the handle; `events` then ends after the
    /// events already buffered. Idempotent. Throws `KafkaError` if the final commit or
    /// close failed.
    public func close() async throws {
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
            switch core.shared.withLock({ $0.machine.closeRequested(c) }) {
            case .resume(let error):
                if let error { c.resume(throwing: error) } else { c.resume() }
            case .wakePollThread:
                core.wake()
            }
        }
    }
}
