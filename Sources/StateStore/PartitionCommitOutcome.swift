/// The outcome of one partition's commit in ``StateStore/commit(_:)``.
public enum PartitionCommitOutcome: Sendable, Equatable {
    /// Applied; `sequence` is the partition's new commit sequence (pass it as the next
    /// commit's `expectedSequence`).
    case committed(sequence: Int64)
    /// The same commit had already been applied (a retry after an unknown outcome, e.g. the
    /// connection broke while COMMIT was in flight). Nothing was written this time.
    case alreadyCommitted(sequence: Int64)
    /// Another owner claimed the partition (its epoch is `currentEpoch`); nothing was written.
    /// The caller must drop the partition's state and stop processing it.
    case fenced(currentEpoch: Int64)
}
