/// Errors thrown by a ``StateStore``.
///
/// None of the cases carries a password: ``StoreLocation`` redacts it in every description,
/// and server errors are reduced to their SQLSTATE and message.
public enum StoreError: Error, Sendable, CustomStringConvertible {
    /// The `--store` URL could not be parsed; the string names the problem (never the password).
    case invalidLocation(String)
    /// The database's `schema_version` is newer than this binary knows (a newer streamproc
    /// migrated it). Refuse to run rather than write rows an older schema does not describe.
    case schemaTooNew(found: Int, known: Int)
    /// The schema has not been created: call ``StateStore/migrate()`` first.
    case notMigrated
    /// The server is down, unreachable, the connection broke, or the operation timed out,
    /// or the server reported a transient failure (SQLSTATE class 08, 53, 57P0x, 40001, 40P01).
    /// Retry with backoff; the store reconnects on the next call. A commit that threw this may or
    /// may not have been applied: retry the same ``PartitionCommit`` (same `expectedSequence`),
    /// which then reports ``PartitionCommitOutcome/alreadyCommitted(sequence:)`` if it had been.
    case unavailable(any Error)
    /// A commit's `expectedSequence` is neither the stored sequence nor the one before it:
    /// the caller lost track of its own commits (a bug, not a race; fencing is reported as
    /// ``PartitionCommitOutcome/fenced(currentEpoch:)``).
    case sequenceMismatch(topic: String, partition: Int32, expected: Int64, found: Int64)
    /// The partition was never claimed (no `partition_state` row): claim it before committing.
    case notClaimed(topic: String, partition: Int32)
    /// Any other database error: SQLSTATE and the server's message.
    case database(sqlState: String, message: String)

    public var description: String {
        switch self {
        case .invalidLocation(let why): return "invalid --store location: \(why)"
        case .schemaTooNew(let found, let known):
            return "the state store's schema version \(found) is newer than this binary knows (\(known)); upgrade streamproc"
        case .notMigrated: return "the state store schema is missing; run the migrations first"
        case .unavailable(let underlying): return "the state store is unavailable: \(underlying)"
        case .sequenceMismatch(let t, let p, let e, let f):
            return "commit sequence mismatch for \(t)/\(p): expected \(e), stored \(f)"
        case .notClaimed(let t, let p): return "partition \(t)/\(p) was never claimed"
        case .database(let state, let message): return "database error \(state): \(message)"
        }
    }

    /// True for ``unavailable(_:)`` caused by the server refusing the login itself: a wrong
    /// user or password (SQLSTATE class 28) or a missing database (3D000), as found by
    /// ``PostgresStateStore``'s ``ConnectionRefused`` diagnosis. Still transient (an operator may
    /// fix the role or create the database while the pipeline waits), but before the store
    /// ever answered it is almost always a wrong `--store` URL, and the pipeline fails at startup.
    public var isRefusedLogin: Bool {
        guard case .unavailable(let underlying) = self, let refused = underlying as? ConnectionRefused else { return false }
        return refused.sqlState.hasPrefix("28") || refused.sqlState == "3D000"
    }

    /// True for ``unavailable(_:)``: the caller should retry with backoff.
    public var isTransient: Bool {
        if case .unavailable = self { return true }
        return false
    }
}
