import Foundation

/// The processor's answer to ``KafkaConsumerEvent/partitionsAssigned(_:)``: where each
/// newly assigned partition starts.
///
/// While it is unanswered the consumer's poll thread waits inside librdkafka's rebalance
/// callback, so no record of these partitions is fetched before the processor restored
/// their state (e.g. from a state store that keeps offsets outside Kafka). Answer exactly
/// once, from any thread; later answers are ignored.
public final class PartitionAssignment: Sendable {
    /// The partitions newly assigned to this member.
    public let partitions: [TopicPartition]
    let gate = AcknowledgementGate<[TopicPartition: Int64]>()

    init(partitions: [TopicPartition]) { self.partitions = partitions }

    /// Starts fetching: each partition in `offsets` at that offset (the next offset to
    /// consume, ≥ 0); the others at the group's committed offset, or by
    /// `auto.offset.reset` when the group has none.
    public func start(at offsets: [TopicPartition: Int64] = [:]) { gate.open(offsets) }
}

/// The processor's acknowledgement of ``KafkaConsumerEvent/partitionsRevoked(_:)``.
///
/// Records of these partitions fetched but not yet delivered were dropped; none follows.
/// The poll thread waits (up to `revocationDrainTimeoutMs`) until ``finished()`` is called:
/// then it commits the offsets stored for the partitions and lets them go. Call it once the partitions' work is done (outputs acknowledged,
/// state committed), from any thread.
public final class PartitionRevocation: Sendable {
    /// The partitions taken away from this member.
    public let partitions: [TopicPartition]
    let gate = AcknowledgementGate<Void>()

    init(partitions: [TopicPartition]) { self.partitions = partitions }

    /// The processor is done with the partitions.
    public func finished() { gate.open(()) }
}

/// A one-shot value the poll thread waits for (blocking, on its own thread).
final class AcknowledgementGate<Value: Sendable>: @unchecked Sendable {
    // @unchecked: every field is guarded by `condition`.
    private let condition = NSCondition()
    private var value: Value?

    /// Sets the value once; wakes the waiter.
    func open(_ v: Value) {
        condition.lock()
        if value == nil { value = v }
        condition.broadcast()
        condition.unlock()
    }

    /// Waits until opened, the deadline (`timeoutMs`, nil: none) passes, or `shouldStop()`
    /// (checked every 50 ms) turns true. `onSlow` is called every `slowEveryMs` of waiting.
    func wait(timeoutMs: Int?, slowEveryMs: Int = 10_000, onSlow: (Int) -> Void = { _ in },
              shouldStop: () -> Bool) -> Value? {
        let start = Date()
        var nextSlow = Double(slowEveryMs) / 1000
        condition.lock()
        defer { condition.unlock() }
        while value == nil {
            let waited = Date().timeIntervalSince(start)
            if let t = timeoutMs, waited * 1000 >= Double(t) { return nil }
            if waited >= nextSlow {
                nextSlow += Double(slowEveryMs) / 1000
                condition.unlock(); onSlow(Int(waited * 1000)); condition.lock()
                continue
            }
            condition.unlock()
            let stop = shouldStop()
            condition.lock()
            if stop { return value }
            _ = condition.wait(until: Date(timeIntervalSinceNow: 0.05))
        }
        return value
    }
}
