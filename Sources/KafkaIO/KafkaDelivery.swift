import Synchronization

/// Per-message opaque of a produced message (retained once per message in flight);
/// the delivery report callback completes it on the producer's poll thread.
class KafkaDeliveryBox: @unchecked Sendable {
    func complete(_ result: Result<KafkaDeliveryReport, KafkaError>) {}
}

/// Awaited by `KafkaProducer.send`.
final class KafkaSingleDelivery: KafkaDeliveryBox, @unchecked Sendable {
    struct State {
        var result: Result<KafkaDeliveryReport, KafkaError>?
        var continuation: CheckedContinuation<KafkaDeliveryReport, any Error>?
    }
    let state = Mutex(State())

    override func complete(_ result: Result<KafkaDeliveryReport, KafkaError>) {
        let c = state.withLock { s -> CheckedContinuation<KafkaDeliveryReport, any Error>? in
            if let c = s.continuation {
                s.continuation = nil
                return c
            }
            s.result = result
            return nil
        }
        c?.resume(with: result.mapError { $0 as any Error })
    }

    /// Resumes `continuation` with the report, now if it already arrived.
    func wait(_ continuation: CheckedContinuation<KafkaDeliveryReport, any Error>) {
        let r = state.withLock { s -> Result<KafkaDeliveryReport, KafkaError>? in
            if let r = s.result { return r }
            s.continuation = continuation
            return nil
        }
        if let r { continuation.resume(with: r.mapError { $0 as any Error }) }
    }
}

/// Awaited by `KafkaProducer.sendBatch`: resumes once `expected` reports arrived
/// (or once enqueueing stopped early and the enqueued ones arrived).
final class KafkaBatchDelivery: KafkaDeliveryBox, @unchecked Sendable {
    struct State {
        var remaining: Int
        var sealed = false
        var firstError: KafkaError?
        var continuation: CheckedContinuation<Void, any Error>?
    }
    let state: Mutex<State>
    let onRecordError: (@Sendable (Int?, KafkaError) -> Void)?

    init(expected: Int, onRecordError: (@Sendable (Int?, KafkaError) -> Void)? = nil) {
        state = Mutex(State(remaining: expected))
        self.onRecordError = onRecordError
    }

    override func complete(_ result: Result<KafkaDeliveryReport, KafkaError>) {
        if case .failure(let e) = result, e.isRecordSpecific, let onRecordError {
            onRecordError(nil, e)
        }
        let done = state.withLock { s -> (CheckedContinuation<Void, any Error>, KafkaError?)? in
            s.remaining -= 1
            if case .failure(let e) = result, s.firstError == nil, !(e.isRecordSpecific && onRecordError != nil) { s.firstError = e }
            guard s.remaining == 0, s.sealed, let c = s.continuation else { return nil }
            s.continuation = nil
            return (c, s.firstError)
        }
        if let (c, e) = done {
            if let e { c.resume(throwing: e) } else { c.resume() }
        }
    }

    /// Sets the continuation once enqueueing is over; `enqueued` is how many messages went in.
    func seal(enqueued: Int, expected: Int, continuation: CheckedContinuation<Void, any Error>, error: KafkaError?) {
        let done = state.withLock { s -> (CheckedContinuation<Void, any Error>, KafkaError?)? in
            s.remaining -= (expected - enqueued)
            s.sealed = true
            if let error, s.firstError == nil { s.firstError = error }
            if s.remaining == 0 { return (continuation, s.firstError) }
            s.continuation = continuation
            return nil
        }
        if let (c, e) = done {
            if let e { c.resume(throwing: e) } else { c.resume() }
        }
    }
}
