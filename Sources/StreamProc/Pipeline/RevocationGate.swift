import Synchronization

/// Holds back the consumer's event stream after a `.partitionsRevoked` event
/// until the pipeline has finished releasing those partitions.
///
/// The consumer completes a revocation (commits the stored offsets and lets
/// the partitions go) when its event iterator asks for the next event
/// (`KafkaEventChannel.waitUntilTaken`). The pipeline reads the consumer's
/// events through `merge` with its timer, whose upstream task asks for the
/// next event as soon as the loop has *taken* the revocation, before the loop
/// has emitted the partitions' open panes and stored their final offsets;
/// those offsets were then dropped and the next owner re-counted every record
/// after the last auto-commit. With the gate, the upstream waits until
/// ``open()`` (called once the release is done), so the commit includes them.
final class RevocationGate: Sendable {
    private struct State {
        var closed = false
        var cancelled = false
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let state = Mutex(State())

    /// Closes the gate: the next ``wait()`` suspends until ``open()``.
    func close() { state.withLock { $0.closed = true } }

    /// Opens the gate and resumes a waiting upstream.
    func open() {
        let w = state.withLock { s -> CheckedContinuation<Void, Never>? in
            s.closed = false
            let w = s.waiter
            s.waiter = nil
            return w
        }
        w?.resume()
    }

    /// Returns at once when open; otherwise when opened or the task is cancelled
    /// (after a cancellation the gate stays open).
    func wait() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                let now = state.withLock { s -> Bool in
                    if !s.closed || s.cancelled { return true }
                    s.waiter = c
                    return false
                }
                if now { c.resume() }
            }
        } onCancel: {
            let w = state.withLock { s -> CheckedContinuation<Void, Never>? in
                s.cancelled = true
                let w = s.waiter
                s.waiter = nil
                return w
            }
            w?.resume()
        }
    }
}

/// A consumer's events, where the event after a `.partitionsRevoked` is only
/// asked for once the ``RevocationGate`` is opened again.
struct GatedConsumerEvents: AsyncSequence, Sendable {
    typealias Element = KafkaConsumerEvent
    let base: KafkaConsumerEvents
    let gate: RevocationGate

    struct AsyncIterator: AsyncIteratorProtocol {
        var base: KafkaConsumerEvents.AsyncIterator
        let gate: RevocationGate

        mutating func next() async throws -> KafkaConsumerEvent? {
            await gate.wait()
            let event = try await base.next()
            if case .partitionsRevoked = event { gate.close() }
            return event
        }
    }

    func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: base.makeAsyncIterator(), gate: gate)
    }
}
