/// Configuration of a `KafkaConsumer` (librdkafka high-level consumer, group member).
public struct KafkaConsumerConfiguration: Sendable {
    /// What the consumer subscribes to.
    public enum Subscription: Sendable, Hashable {
        /// Explicit topic names.
        case topics([String])
        /// A regular expression over topic names (librdkafka: POSIX regex; a leading `^`
        /// is what marks a regex subscription, it is added when missing).
        case regex(String)
    }

    /// Where to start when the group has no committed offset (`auto.offset.reset`).
    public enum OffsetReset: String, Sendable {
        case earliest, latest, error
    }

    /// `bootstrap.servers`: comma-separated `host:port` list.
    public var bootstrapServers: String
    /// `group.id`: consumer group name.
    public var groupID: String
    public var subscription: Subscription
    /// Most records per delivered `KafkaBatch`. Batches form adaptively: while the processor
    /// waits, a batch is whatever had arrived (no record waits for a batch to fill); while it
    /// is busy (a batch already waits for it), records gather up to this many.
    public var maxBatchSize: Int = 1000
    /// Backpressure bound: at most this many batches wait in the event buffer; the poll
    /// thread blocks (stops taking from librdkafka) while it is full. librdkafka's own
    /// prefetch queue then fills and its fetchers pause (`queued.max.messages.kbytes`).
    public var maxBufferedBatches: Int = 8
    /// Longest wait of the poll thread for the first record, in milliseconds, before it
    /// serves commands again (commits, close). A batch is never held back to fill up.
    public var pollTimeoutMs: Int = 50
    /// `session.timeout.ms`, milliseconds.
    public var sessionTimeoutMs: Int = 10_000
    /// `heartbeat.interval.ms`, milliseconds (rebalances are noticed at the next heartbeat).
    public var heartbeatIntervalMs: Int = 1_000
    /// `auto.offset.reset`.
    public var autoOffsetReset: OffsetReset = .earliest
    /// `enable.auto.commit`: when true librdkafka commits *stored* offsets every
    /// `autoCommitIntervalMs` ms in the background (only offsets passed to
    /// `KafkaConsumer.storeOffset`, since `enable.auto.offset.store` is always false).
    /// Offsets are also committed on revocation, on `commit()` and on `close()`.
    public var enableAutoCommit: Bool = true
    /// `auto.commit.interval.ms`, milliseconds.
    public var autoCommitIntervalMs: Int = 5_000
    /// How long a revocation waits, in milliseconds, for the processor's
    /// ``PartitionRevocation/finished()`` (it finishes the batch in hand and commits its
    /// work; undelivered records of the partitions were dropped) before their stored offsets are
    /// committed and the partitions let go.
    public var revocationDrainTimeoutMs: Int = 10_000
    /// Whether the processor takes part in rebalances. When true, the poll thread waits for
    /// the ``PartitionAssignment/start(at:)`` of every `.partitionsAssigned` event (no record
    /// of those partitions is fetched before; the answer may carry start offsets, e.g. from a
    /// state store) and for the ``PartitionRevocation/finished()`` of every
    /// `.partitionsRevoked` event. When false (default), both events are notifications only:
    /// partitions start at the committed offsets and go at once.
    public var acknowledgesRebalances: Bool = false
    /// Operator client properties (SASL, TLS, timeouts; issue 13), applied after the
    /// processor's own properties above and before `extra`. Keys the processor owns cannot
    /// be in it (``KafkaClientProperties/refusalReason(forKey:)``).
    public var clientProperties = KafkaClientProperties()
    /// Raw librdkafka properties (CONFIGURATION.md), applied last, so they override.
    public var extra: [String: String] = [:]

    public init(bootstrapServers: String, groupID: String, subscription: Subscription) {
        self.bootstrapServers = bootstrapServers
        self.groupID = groupID
        self.subscription = subscription
    }

    var librdkafkaProperties: [(String, String)] {
        var props: [(String, String)] = [
            ("bootstrap.servers", bootstrapServers),
            ("group.id", groupID),
            ("enable.auto.offset.store", "false"),
            ("enable.auto.commit", enableAutoCommit ? "true" : "false"),
            ("auto.commit.interval.ms", String(autoCommitIntervalMs)),
            ("auto.offset.reset", autoOffsetReset.rawValue),
            ("session.timeout.ms", String(sessionTimeoutMs)),
            ("heartbeat.interval.ms", String(heartbeatIntervalMs)),
            ("enable.partition.eof", "true"),  // consumed by the poll loop: fetchedSinceAssignment
            ("statistics.interval.ms", "1000"),
        ]
        props.append(contentsOf: clientProperties.pairs)
        for key in extra.keys.sorted() {
            props.append((key, extra[key]!))
        }
        return props
    }
}
