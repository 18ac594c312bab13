/// What a `KafkaConsumer` delivers, in order.
public enum KafkaConsumerEvent: Sendable {
    /// Records; call `KafkaConsumer.storeOffset` / `storeOffsets(of:)` once processed.
    case batch(KafkaBatch)
    /// Partitions newly assigned to this member (after a group rebalance).
    case partitionsAssigned([TopicPartition])
    /// Partitions taken away. When the processor takes this event, every batch queued
    /// before it has been handed out; offsets stored up to then are committed right after,
    /// before the partitions go. Buffered records of these partitions queued after the
    /// revocation are dropped; stores for partitions no longer assigned are ignored.
    case partitionsRevoked([TopicPartition])
}
