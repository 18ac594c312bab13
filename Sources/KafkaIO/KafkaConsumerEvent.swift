/// What a `KafkaConsumer` delivers, in order.
public enum KafkaConsumerEvent: Sendable {
    /// Records; call `KafkaConsumer.storeOffset` / `storeOffsets(of:)` once processed.
    case batch(KafkaBatch)
    /// Partitions newly assigned to this member (after a group rebalance). Nothing of them
    /// is fetched until the processor answers with ``PartitionAssignment/start(at:)``.
    case partitionsAssigned(PartitionAssignment)
    /// Partitions taken away. Every batch of them queued before this event has been
    /// delivered; buffered records of them queued after it are dropped. The partitions go
    /// (their stored offsets committed first) once the processor calls
    /// ``PartitionRevocation/finished()`` or after `revocationDrainTimeoutMs`.
    case partitionsRevoked(PartitionRevocation)
}
