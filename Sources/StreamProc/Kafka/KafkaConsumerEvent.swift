/// What a `KafkaConsumer` delivers, in order.
public enum KafkaConsumerEvent: Sendable {
    /// Records; call `KafkaConsumer.storeOffset` / `storeOffsets(of:)` once processed.
    case batch(KafkaBatch)
    /// Partitions newly assigned to this member (after a group rebalance).
    case partitionsAssigned([TopicPartition])
    /// Partitions taken away. Every batch queued before it has been handed out. The
    /// revocation completes when the processor asks for the next event (or after
    /// `revocationDrainTimeoutMs`): then the offsets stored up to that moment are committed
    /// and the partitions go. So a processor finishes its work for these partitions
    /// (outputs acknowledged, offsets stored) before it asks again. Buffered records of
    /// these partitions queued after the revocation are dropped; stores for partitions no
    /// longer assigned are ignored.
    case partitionsRevoked([TopicPartition])
}
