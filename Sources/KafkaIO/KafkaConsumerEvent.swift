/// What a `KafkaConsumer` delivers, in order.
public enum KafkaConsumerEvent: Sendable {
    /// Records; call `KafkaConsumer.storeOffset` / `storeOffsets(of:)` once processed.
    case batch(KafkaBatch)
    /// Partitions newly assigned to this member (after a group rebalance). Nothing of them
    /// is fetched until the processor answers with ``PartitionAssignment/start(at:)``.
    case partitionsAssigned(PartitionAssignment)
    /// Partitions taken away. Records of them fetched but not yet delivered are dropped
    /// (never delivered, so the offsets stored for what was processed stay exact and the
    /// next owner fetches them); no record of them follows this event. The partitions go
    /// (their stored offsets committed first) once the processor calls
    /// ``PartitionRevocation/finished()`` or after `revocationDrainTimeoutMs`.
    case partitionsRevoked(PartitionRevocation)
}
