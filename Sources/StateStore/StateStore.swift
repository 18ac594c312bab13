/// Durable state of the processor outside Kafka (issue 10, exactly-once state): per partition the
/// next input offset, the open-window state, the closed 1-minute and 1-hour counts, the lifetime
/// unattributed counts and the duplicate filter's ids, all written in ONE transaction per
/// partition, so that after a crash the processor resumes from exactly the offset whose effects
/// are stored. The mock Kafka cluster has no transactions; the store is the source of truth.
///
/// Life cycle of a partition: ``claim(topic:partition:owner:)`` on assignment (bumps the fencing
/// epoch), then ``loadClosed(topic:partition:minutes:hours:)`` and
/// ``loadDuplicateIDs(topic:partition:sinceMs:)`` to rebuild the rolling views and the duplicate
/// filter (run these two concurrently, e.g. with `async let`: on PostgreSQL they use two pooled
/// connections and the restore takes about the longer of the two), seek to
/// ``PartitionClaim/nextOffset``, then ``commit(_:)`` about once a second.
///
/// Fencing: every commit first runs
/// `UPDATE partition_state SET … WHERE topic=$1 AND partition=$2 AND epoch=$3 AND commit_seq=$4`.
/// Under READ COMMITTED this row lock orders a zombie's commit against a new owner's claim
/// (`INSERT … ON CONFLICT DO UPDATE SET epoch = epoch + 1`), which locks the same row:
/// - zombie first: the claim blocks on the row lock until the zombie's transaction ends, then
///   re-reads the newest row version (PostgreSQL re-evaluates a blocked UPDATE on the updated
///   row) and returns the zombie's committed offset and state; the new owner's loads run after the
///   claim, in new snapshots, so they see all the zombie's rows — consistent with the offset;
/// - claim first: the zombie's UPDATE blocks (or comes later), then re-checks `epoch = $3` on the
///   new row version, matches 0 rows, and the zombie rolls back everything: nothing it wrote
///   before the UPDATE exists, because the UPDATE is the first statement of its transaction.
/// Either way a commit is visible entirely or not at all, and only to the owner whose epoch is current.
///
/// Threading: implementations are `Sendable`; calls may run concurrently (for different
/// partitions; one partition's calls are expected in order). Errors: ``StoreError``; transient
/// failures are ``StoreError/unavailable(_:)``.
public protocol StateStore: Sendable {
    /// Creates or upgrades the schema (idempotent; safe when several instances start at once).
    /// - Throws: ``StoreError/schemaTooNew(found:known:)``, ``StoreError/unavailable(_:)``.
    func migrate() async throws

    /// Claims a partition for `owner`: atomically increments its epoch (inserts it at epoch 1 if
    /// new) and returns the new epoch with the last committed offset and open state. Every
    /// commit with an older epoch is fenced from then on.
    func claim(topic: String, partition: Int32, owner: String) async throws -> PartitionClaim

    /// The on-time counts (not the late ones) of the partition's closed windows whose start lies
    /// in `minutes` (`counts_1m`) or `hours` (`counts_1h`), ms since the Unix epoch, half-open.
    func loadClosed(topic: String, partition: Int32, minutes: Range<Int64>, hours: Range<Int64>) async throws -> ClosedCounts

    /// The late counts of the same rows (`count` holds the `late` column); for reports and tests.
    func loadLate(topic: String, partition: Int32, minutes: Range<Int64>, hours: Range<Int64>) async throws -> ClosedCounts

    /// The duplicate filter's ids of the partition with `scannedAtMs >= sinceMs`, in no particular order.
    func loadDuplicateIDs(topic: String, partition: Int32, sinceMs: Int64) async throws -> [StoredDuplicateID]

    /// The partition's lifetime unattributed counts, reason → count.
    func loadUnattributed(topic: String, partition: Int32) async throws -> [String: Int64]

    /// Commits each partition's batch in its own transaction (partitions are independent: one
    /// fenced partition does not stop the others). Returns one outcome per element, in order.
    /// - Throws: if any partition's transaction failed (e.g. ``StoreError/unavailable(_:)``) after
    ///   all others finished; some may have been applied — retrying the same batch is safe (the
    ///   applied ones report ``PartitionCommitOutcome/alreadyCommitted(sequence:)``).
    func commit(_ batch: [PartitionCommit]) async throws -> [PartitionCommitOutcome]

    /// A health probe (PostgreSQL: `SELECT 1` on a pooled connection) for when there is nothing
    /// to commit, so that an outage is seen, reported and waited out even while idle.
    /// - Throws: ``StoreError/unavailable(_:)`` when the store does not answer.
    func ping() async throws
}
