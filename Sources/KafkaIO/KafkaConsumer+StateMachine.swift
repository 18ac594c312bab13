extension KafkaConsumer {
    /// The lifecycle of a consumer, driven from two sides: the poll thread (rebalance
    /// callbacks, its own exit) and the front type (``KafkaConsumer/close()``, deinit).
    /// Methods take an event and return the action the caller performs outside the lock.
    /// Kept in a `Mutex` by `KafkaConsumerCore`; a value type with no I/O, so it is tested
    /// on its own.
    ///
    /// ```
    ///            assign/revoke callback            processor answered (or timeout)
    /// consuming ───────────────────────▶ rebalancing ─────────────────────────────▶ consuming
    ///     │  close()                          │ close()
    ///     ▼                                   ▼
    ///  closing ──── poll thread committed, left the group, destroyed the handle ───▶ closed
    /// ```
    struct StateMachine {
        /// Where the consumer is.
        enum State {
            /// Fetching; batches flow to the processor.
            case consuming
            /// A rebalance callback handed these partitions to the processor and the poll
            /// thread waits for its ``PartitionAssignment`` / ``PartitionRevocation`` answer.
            case rebalancing(assigned: Bool, [TopicPartition])
            /// `close()` was asked: the poll thread stops fetching, commits the stored
            /// offsets, leaves the group and destroys the handle. Holds the callers of `close()`.
            case closing(waiters: [CheckedContinuation<Void, any Error>])
            /// The poll thread exited; the handle is gone. The final commit/close error, if any.
            case closed(KafkaError?)
        }

        private(set) var state: State = .consuming

        /// What the poll thread does after a rebalance callback announced partitions.
        enum RebalanceAction: Equatable {
            /// Deliver the event and wait for the processor's answer.
            case deliverAndWait
            /// Closing: do not wait for an answer that will never come.
            case proceedWithoutWaiting
        }

        /// What `close()` does.
        enum CloseAction {
            /// Wake the poll thread; the continuation is resumed when it exits.
            case wakePollThread
            /// Already closed: resume at once with this result.
            case resume(KafkaError?)
        }

        /// Whether the poll thread should stop (closing or closed).
        var isClosing: Bool {
            switch state {
            case .closing, .closed: true
            case .consuming, .rebalancing: false
            }
        }

        /// A rebalance callback (poll thread) assigns (`assigned`) or revokes `partitions`.
        mutating func rebalanceStarted(assigned: Bool, _ partitions: [TopicPartition]) -> RebalanceAction {
            switch state {
            case .consuming, .rebalancing:
                state = .rebalancing(assigned: assigned, partitions)
                return .deliverAndWait
            case .closing, .closed:
                return .proceedWithoutWaiting
            }
        }

        /// The poll thread finished the rebalance (answered, timed out or closing).
        mutating func rebalanceFinished() {
            if case .rebalancing = state { state = .consuming }
        }

        /// `close()` (or deinit with `waiter` nil) asks the consumer to close.
        mutating func closeRequested(_ waiter: CheckedContinuation<Void, any Error>?) -> CloseAction {
            switch state {
            case .consuming, .rebalancing:
                state = .closing(waiters: waiter.map { [$0] } ?? [])
                return .wakePollThread
            case .closing(var waiters):
                if let waiter { waiters.append(waiter) }
                state = .closing(waiters: waiters)
                return .wakePollThread
            case .closed(let error):
                return .resume(error)
            }
        }

        /// A fatal librdkafka error (poll thread): stop as if closing.
        mutating func fatalError() {
            switch state {
            case .consuming, .rebalancing: state = .closing(waiters: [])
            case .closing, .closed: break
            }
        }

        /// The poll thread exited with `error` from the final commit/close; returns the
        /// `close()` callers to resume.
        mutating func pollThreadExited(_ error: KafkaError?) -> [CheckedContinuation<Void, any Error>] {
            let waiters: [CheckedContinuation<Void, any Error>]
            if case .closing(let w) = state { waiters = w } else { waiters = [] }
            state = .closed(error)
            return waiters
        }
    }
}
