import Foundation

/// Bounded single-consumer channel between a consumer's poll thread (producer side,
/// blocking) and one async iterator (consumer side). `.batch` events count against
/// `capacity`; control events (rebalances) never block and never count.
/// Not AsyncStream: its buffering policies drop events; here the poll thread waits.
final class KafkaEventChannel: @unchecked Sendable {
    private let condition = NSCondition()
    private var buffer: [KafkaConsumerEvent] = []
    private var head = 0
    private var bufferedBatches = 0
    private let capacity: Int
    private var waiter: CheckedContinuation<KafkaConsumerEvent?, any Error>?
    private var finished = false
    private var failure: (any Error)?
    private var interrupted = false

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    // MARK: poll-thread side

    /// Waits (blocking) until a batch fits, up to `timeoutMs`. Returns true if it fits.
    func waitForSpace(timeoutMs: Int) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        if bufferedBatches < capacity || finished { return true }
        if interrupted { interrupted = false; return false }
        _ = condition.wait(until: Date(timeIntervalSinceNow: Double(timeoutMs) / 1000))
        interrupted = false
        return bufferedBatches < capacity || finished
    }

    /// Batches waiting for the processor (0: it takes the next one as soon as it is ready).
    var bufferedBatchCount: Int {
        condition.lock()
        defer { condition.unlock() }
        return bufferedBatches
    }

    /// Wakes a poll thread blocked in `waitForSpace` (e.g. for a command).
    func interrupt() {
        condition.lock()
        interrupted = true
        condition.broadcast()
        condition.unlock()
    }

    /// Enqueues `event` (never blocks; call `waitForSpace` first for batches).
    func push(_ event: KafkaConsumerEvent) {
        condition.lock()
        if finished {
            condition.unlock()
            return
        }
        if let w = waiter {
            waiter = nil
            condition.unlock()
            w.resume(returning: event)
            return
        }
        if case .batch = event { bufferedBatches += 1 }
        buffer.append(event)
        condition.unlock()
    }

    /// Drops records of `partitions` from batches still buffered.
    func purge(_ partitions: Set<TopicPartition>) {
        condition.lock()
        for i in head..<buffer.count {
            if case .batch(let b) = buffer[i] {
                buffer[i] = .batch(b.removing(partitions))
            }
        }
        condition.unlock()
    }

    /// Ends the sequence: the iterator drains what is buffered, then gets nil
    /// (or `error` thrown).
    func finish(error: (any Error)? = nil) {
        condition.lock()
        if finished {
            condition.unlock()
            return
        }
        finished = true
        failure = error
        let w = waiter
        waiter = nil
        if w != nil { failure = nil }
        condition.broadcast()
        condition.unlock()
        if let w {
            if let error { w.resume(throwing: error) } else { w.resume(returning: nil) }
        }
    }

    // MARK: iterator side

    private enum Poll {
        case event(KafkaConsumerEvent)
        case end((any Error)?)
        case empty
    }

    private func pollLocked() -> Poll {
        if head < buffer.count {
            let event = buffer[head]
            head += 1
            if head > 64 && head * 2 > buffer.count {
                buffer.removeFirst(head)
                head = 0
            }
            if case .batch = event { bufferedBatches -= 1 }
            condition.broadcast()
            return .event(event)
        }
        if finished {
            let f = failure
            failure = nil
            return .end(f)
        }
        return .empty
    }

    private func tryTake() -> Poll {
        condition.lock()
        defer { condition.unlock() }
        return pollLocked()
    }

    private func park(_ continuation: CheckedContinuation<KafkaConsumerEvent?, any Error>) {
        condition.lock()
        switch pollLocked() {
        case .event(let e):
            condition.unlock()
            continuation.resume(returning: e)
        case .end(let f):
            condition.unlock()
            if let f { continuation.resume(throwing: f) } else { continuation.resume(returning: nil) }
        case .empty:
            if Task.isCancelled {
                condition.unlock()
                continuation.resume(returning: nil)
            } else {
                waiter = continuation
                condition.unlock()
            }
        }
    }

    private func cancelWaiter() {
        condition.lock()
        let w = waiter
        waiter = nil
        condition.unlock()
        w?.resume(returning: nil)
    }

    func next() async throws -> KafkaConsumerEvent? {
        switch tryTake() {
        case .event(let e): return e
        case .end(let f):
            if let f { throw f }
            return nil
        case .empty: break
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { park($0) }
        } onCancel: {
            cancelWaiter()
        }
    }
}

/// The events of one `KafkaConsumer`, an AsyncSequence meant for a single iterating task.
/// Ends (nil) after `close()`, or throws a `KafkaError` on a fatal librdkafka error.
/// Cancelling the iterating task ends its iteration (nil) without closing the consumer.
public struct KafkaConsumerEvents: AsyncSequence, Sendable {
    public typealias Element = KafkaConsumerEvent
    let channel: KafkaEventChannel

    public struct AsyncIterator: AsyncIteratorProtocol {
        let channel: KafkaEventChannel
        public mutating func next() async throws -> KafkaConsumerEvent? {
            try await channel.next()
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(channel: channel)
    }
}
