import Synchronization

/// A flag a judging task sets when its result is ready, so the pipeline's loop can apply
/// finished batches without waiting on one that is still being judged. Thread-safe.
final class JudgeFinished: Sendable {
    private let flag = Atomic<Bool>(false)

    /// Marks the result ready (release ordering: the result is visible to a reader that sees it).
    func set() { flag.store(true, ordering: .releasing) }

    /// Whether the result is ready.
    var isSet: Bool { flag.load(ordering: .acquiring) }
}
