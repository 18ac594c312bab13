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
    /// Count of events pushed / taken (sequence numbers for `waitUntilTaken`).
    private var pushed: UInt64 = 0
    private var taken: UInt64 = 0
    /// Events the processor is done with: every event taken before its latest call to
    /// `next()`. A processor asks for the next event only once it finished the previous
    /// one (stored its offsets), so this is what a revocation waits for.
    private var acknowledged: UInt64 = 0
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

    /// Wakes a poll thread blocked in `waitForSpace` / `waitUntilTaken` (e.g. for a command).
    func interrupt() {
        condition.lock()
        interrupted = true
        condition.broadcast()
        condition.unlock()
    }

    /// Enqueues `event` (never blocks; call `waitForSpace` first for batches).
    /// Returns its sequence number.
    @discardableResult
    func push(_ event: KafkaConsumerEvent) -> UInt64 {
        condition.lock()
        if finished {
            condition.unlock()
            return 0
        }
        pushed += 1
        let seq = pushed
        if let w = waiter {
            waiter = nil
            taken = seq
            condition.unlock()
            w.resume(returning: event)
            return seq
        }
        if case .batch = event { bufferedBatches += 1 }
        buffer.append(event)
        condition.unlock()
        return seq
    }

    /// Waits (blocking) until the processor is done with event `seq` — it asked for the
    /// event after it — the deadline passes, or `shouldStop()` turns true (checked every
    /// 50 ms). Returns true if done.
    func waitUntilTaken(_ seq: UInt64, timeoutMs: Int, shouldStop: () -> Bool) -> Bool {
        let deadline = Date(timeIntervalSinceNow: Double(timeoutMs) / 1000)
        condition.lock()
        defer { condition.unlock() }
        while acknowledged < seq && !finished {
            if Date() >= deadline { return false }
            condition.unlock()
            let stop = shouldStop()
            condition.lock()
            if stop { return acknowledged >= seq }
            _ = condition.wait(until: min(deadline, Date(timeIntervalSinceNow: 0.05)))
        }
        return true
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
            taken += 1
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

    /// The processor asks for another event: it is done with every event taken so far.
    private func acknowledgeTaken() {
        condition.lock()
        if acknowledged < taken {
            acknowledged = taken
            condition.broadcast()
        }
        condition.unlock()
    }

    func next() async throws -> KafkaConsumerEvent? {
        acknowledgeTaken()
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
