import Logging
import Synchronization
import PostgresNIO

/// The PostgreSQL ``StateStore`` (postgres-nio client with a small connection pool, binary
/// protocol, bulk writes as `unnest($1::bigint[], …)` arrays).
///
/// Usage: ``run()`` must be running in a task for the store to reach the server (it drives the
/// connection pool; cancelling it closes the store), or use
/// ``withStore(location:logger:maxConnections:operationTimeout:_:)``. Broken connections are
/// replaced by the pool on the next call. Each operation is bounded by `operationTimeout` while
/// it waits for a connection; a server that is down or unreachable makes the call throw
/// ``StoreError/unavailable(_:)`` instead of hanging.
///
/// Logging never includes the password: ``location`` prints it redacted and the postgres-nio
/// client logs no credentials.
public final class PostgresStateStore: StateStore {
    /// Where the store connects (its description redacts the password).
    public let location: StoreLocation
    private let client: PostgresClient
    private let logger: Logger
    private let operationTimeout: Duration
    /// The last ``diagnoseRefusal()``: when it started and what it found.
    private let diagnosis = Mutex<(at: ContinuousClock.Instant?, result: ConnectionRefused?)>((nil, nil))

    /// - Parameters:
    ///   - location: the parsed `--store` URL.
    ///   - maxConnections: pool size (one per concurrently committing partition is plenty).
    ///   - operationTimeout: how long one call may wait (for a connection and its queries)
    ///     before it throws ``StoreError/unavailable(_:)``; a call that timed out may take up to
    ///     5 s more to ask the server why (``ConnectionRefused``, at most once per 30 s).
    public init(location: StoreLocation, logger: Logger = Logger(label: "streamproc.store"),
                maxConnections: Int = 4, operationTimeout: Duration = .seconds(10)) {
        self.location = location
        self.logger = logger
        self.operationTimeout = operationTimeout
        var backgroundLogger = logger
        backgroundLogger[metadataKey: "store"] = "\(location)"
        self.client = PostgresClient(configuration: location.clientConfiguration(maxConnections: maxConnections),
                                     backgroundLogger: backgroundLogger)
    }

    /// Drives the connection pool until the calling task is cancelled. Call exactly once.
    public func run() async {
        await client.run()
    }

    /// Creates a store, runs it for the duration of `body`, then closes it.
    @discardableResult
    public static func withStore<R: Sendable>(
        location: StoreLocation, logger: Logger = Logger(label: "streamproc.store"),
        maxConnections: Int = 4, operationTimeout: Duration = .seconds(10),
        isolation: isolated (any Actor)? = #isolation,
        _ body: (PostgresStateStore) async throws -> R
    ) async throws -> R {
        let store = PostgresStateStore(location: location, logger: logger, maxConnections: maxConnections,
                                       operationTimeout: operationTimeout)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await store.run() }
            do {
                let result = try await body(store)
                group.cancelAll()
                return result
            } catch {
                group.cancelAll()
                throw error
            }
        }
    }

    // MARK: StateStore

    public func migrate() async throws {
        try await guarded { conn, logger in
            try await Self.transaction(conn, logger) {
                try await conn.query(
                    "SELECT pg_advisory_xact_lock(hashtext('streamproc.state.migrate:' || coalesce(current_schema(), '')))",
                    logger: logger)
                try await conn.query(
                    "CREATE TABLE IF NOT EXISTS schema_version (version int PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())",
                    logger: logger)
                var found = 0
                for try await v in try await conn.query("SELECT coalesce(max(version), 0) FROM schema_version", logger: logger)
                    .decode(Int32.self) {
                    found = Int(v)
                }
                guard found <= Schema.currentVersion else {
                    throw StoreError.schemaTooNew(found: found, known: Schema.currentVersion)
                }
                for version in (found + 1)..<(Schema.currentVersion + 1) {
                    for statement in Schema.migrations[version - 1] {
                        try await conn.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                    }
                    try await conn.query("INSERT INTO schema_version (version) VALUES (\(Int32(version)))", logger: logger)
                    logger.info("state store schema migrated", metadata: ["version": "\(version)"])
                }
            }
        }
    }

    public func claim(topic: String, partition: Int32, owner: String) async throws -> PartitionClaim {
        try await guarded { conn, logger in
            let rows = try await conn.query("""
                INSERT INTO partition_state AS p (topic, partition, epoch, owner) VALUES (\(topic), \(partition), 1, \(owner))
                ON CONFLICT (topic, partition) DO UPDATE SET epoch = p.epoch + 1, owner = EXCLUDED.owner, updated_at = now()
                RETURNING epoch, next_offset, open_state, commit_seq
                """, logger: logger)
            for try await (epoch, next, state, seq) in rows.decode((Int64, Int64?, ByteBuffer, Int64).self) {
                return PartitionClaim(topic: topic, partition: partition, epoch: epoch, nextOffset: next,
                                      openState: Array(state.readableBytesView), sequence: seq)
            }
            throw StoreError.database(sqlState: "client", message: "claim returned no row")
        }
    }

    public func loadClosed(topic: String, partition: Int32, minutes: Range<Int64>, hours: Range<Int64>) async throws -> ClosedCounts {
        try await loadCounts(topic: topic, partition: partition, minutes: minutes, hours: hours, late: false)
    }

    public func loadLate(topic: String, partition: Int32, minutes: Range<Int64>, hours: Range<Int64>) async throws -> ClosedCounts {
        try await loadCounts(topic: topic, partition: partition, minutes: minutes, hours: hours, late: true)
    }

    private func loadCounts(topic: String, partition: Int32, minutes: Range<Int64>, hours: Range<Int64>,
                            late: Bool) async throws -> ClosedCounts {
        try await guarded { conn, logger in
            let m = try await Self.loadTable(conn, logger, table: "counts_1m", topic: topic, partition: partition,
                                             range: minutes, late: late)
            let h = try await Self.loadTable(conn, logger, table: "counts_1h", topic: topic, partition: partition,
                                             range: hours, late: late)
            return ClosedCounts(minutes: m, hours: h)
        }
    }

    private static func loadTable(_ conn: PostgresConnection, _ logger: Logger, table: String, topic: String,
                                  partition: Int32, range: Range<Int64>, late: Bool) async throws -> [StoredCount] {
        guard !range.isEmpty else { return [] }
        let column = late ? "late" : "count"
        // One row of parallel arrays: far cheaper to ship and decode than one row per cell.
        var query = PostgresQuery(unsafeSQL: """
            SELECT array_agg(ms), array_agg(scenario), array_agg(district), array_agg(verdict), array_agg(n)
            FROM (SELECT (extract(epoch FROM window_start) * 1000)::bigint AS ms, scenario, district, verdict, \(column) AS n
                  FROM \(table)
                  WHERE source_topic = $1 AND source_partition = $2
                    AND window_start >= 'epoch'::timestamptz + $3 * interval '1 millisecond'
                    AND window_start <  'epoch'::timestamptz + $4 * interval '1 millisecond'
                    AND \(column) > 0
                  ORDER BY window_start) AS r
            """)
        query.binds.append(topic)
        query.binds.append(partition)
        // timestamptz covers 4713 BC…294276 AD; clamp so that open-ended ranges stay in it.
        let lowest: Int64 = -62_135_596_800_000, highest: Int64 = 253_402_300_800_000  // years 1 and 10000
        query.binds.append(min(max(range.lowerBound, lowest), highest))
        query.binds.append(min(max(range.upperBound, lowest), highest))
        var out: [StoredCount] = []
        for try await (msRaw, scRaw, diRaw, veRaw, nRaw) in try await conn.query(query, logger: logger)
            .decode((ByteBuffer?, ByteBuffer?, ByteBuffer?, ByteBuffer?, ByteBuffer?).self) {
            guard let msRaw, let scRaw, let diRaw, let veRaw, let nRaw else { continue }  // no rows: NULLs
            guard let ms = BinaryArrayReader.int64s(msRaw), let sc = BinaryArrayReader.strings(scRaw),
                  let di = BinaryArrayReader.strings(diRaw), let ve = BinaryArrayReader.strings(veRaw),
                  let n = BinaryArrayReader.int64s(nRaw),
                  sc.count == ms.count, di.count == ms.count, ve.count == ms.count, n.count == ms.count
            else {
                throw StoreError.database(sqlState: "client", message: "malformed array in \(table)")
            }
            out.reserveCapacity(ms.count)
            for i in ms.indices {
                out.append(StoredCount(windowStartMs: ms[i], scenario: sc[i], district: di[i], verdict: ve[i], count: n[i]))
            }
        }
        return out
    }

    public func loadDuplicateIDs(topic: String, partition: Int32, sinceMs: Int64) async throws -> [StoredDuplicateID] {
        try await guarded { conn, logger in
            // One bytea of packed big-endian (hi, lo, scanned_at_ms) triples (1.2M ids ≈ 29 MB):
            // far cheaper to ship and decode than 1.2M rows or three bigint arrays.
            var out: [StoredDuplicateID] = []
            let rows = try await conn.query("""
                SELECT string_agg(int8send(id_hi) || int8send(id_lo) || int8send(scanned_at_ms), ''::bytea)
                FROM duplicate_ids
                WHERE topic = \(topic) AND partition = \(partition) AND scanned_at_ms >= \(sinceMs)
                """, logger: logger)
            for try await packed in rows.decode(ByteBuffer?.self) {
                guard var packed else { continue }
                out.reserveCapacity(packed.readableBytes / 24)
                while let hi = packed.readInteger(endianness: .big, as: UInt64.self),
                      let lo = packed.readInteger(endianness: .big, as: UInt64.self),
                      let at = packed.readInteger(endianness: .big, as: Int64.self) {
                    out.append(StoredDuplicateID(hi: hi, lo: lo, scannedAtMs: at))
                }
            }
            return out
        }
    }

    public func loadUnattributed(topic: String, partition: Int32) async throws -> [String: Int64] {
        try await guarded { conn, logger in
            var out: [String: Int64] = [:]
            let rows = try await conn.query("""
                SELECT reason, count FROM unattributed WHERE source_topic = \(topic) AND source_partition = \(partition)
                """, logger: logger)
            for try await (reason, count) in rows.decode((String, Int64).self) { out[reason] = count }
            return out
        }
    }

    public func commit(_ batch: [PartitionCommit]) async throws -> [PartitionCommitOutcome] {
        // One transaction per partition, concurrently on pooled connections (partitions are
        // independent rows; one partition's commits are sequential because the caller awaits
        // each batch). Every partition is tried even when one fails, and the first failure in
        // batch order is thrown afterwards (retrying the batch is safe: applied partitions
        // answer `.alreadyCommitted`).
        if batch.count == 1 { return [try await commitOne(batch[0])] }
        var results = [Result<PartitionCommitOutcome, any Error>?](repeating: nil, count: batch.count)
        await withTaskGroup(of: Slot.self) { group in
            for (i, c) in batch.enumerated() {
                group.addTask {
                    do { return Slot(index: i, result: .success(try await self.commitOne(c))) } catch {
                        return Slot(index: i, result: .failure(error))
                    }
                }
            }
            for await slot in group { results[slot.index] = slot.result }
        }
        return try results.map { try $0!.get() }
    }

    /// One partition's result in ``commit(_:)``'s task group. A struct, not the tuple
    /// `(Int, Result<…, any Error>)`: Swift 6.3.1 at -O delivered that tuple corrupted (nil
    /// slots, wrong indices) — repro in `bench-notes/taskgroup-tuple-miscompile.swift.txt`,
    /// guarded by `StateStoreBehaviourTests` in release (`swift test -c release`).
    private struct Slot: Sendable {
        let index: Int
        let result: Result<PartitionCommitOutcome, any Error>
    }

    public func ping() async throws {
        _ = try await guarded { conn, logger in
            for try await one in try await conn.query("SELECT 1", logger: logger).decode(Int32.self) { return one }
            return Int32(0)
        }
    }

    /// One partition's transaction; see ``StateStore`` for the fencing argument.
    private func commitOne(_ c: PartitionCommit) async throws -> PartitionCommitOutcome {
        try await guarded { conn, logger in
            try await conn.query("BEGIN", logger: logger)
            do {
                let outcome = try await Self.apply(c, conn, logger)
                if case .committed = outcome {
                    try await conn.query("COMMIT", logger: logger)
                } else {
                    try await conn.query("ROLLBACK", logger: logger)
                }
                return outcome
            } catch {
                await Self.rollbackOrClose(conn, logger)
                throw error
            }
        }
    }

    private static func apply(_ c: PartitionCommit, _ conn: PostgresConnection, _ logger: Logger) async throws -> PartitionCommitOutcome {
        var state = ByteBuffer()
        state.writeBytes(c.openState)
        // 1. Row lock + fencing check (must stay the first statement of the transaction).
        var newSequence: Int64? = nil
        for try await seq in try await conn.query("""
            UPDATE partition_state SET next_offset = \(c.nextOffset), open_state = \(state),
                   commit_seq = commit_seq + 1, updated_at = now()
            WHERE topic = \(c.topic) AND partition = \(c.partition) AND epoch = \(c.epoch) AND commit_seq = \(c.expectedSequence)
            RETURNING commit_seq
            """, logger: logger).decode(Int64.self) {
            newSequence = seq
        }
        guard let newSequence else {
            for try await (epoch, seq) in try await conn.query("""
                SELECT epoch, commit_seq FROM partition_state WHERE topic = \(c.topic) AND partition = \(c.partition)
                """, logger: logger).decode((Int64, Int64).self) {
                if epoch != c.epoch { return .fenced(currentEpoch: epoch) }
                if seq == c.expectedSequence + 1 { return .alreadyCommitted(sequence: seq) }
                throw StoreError.sequenceMismatch(topic: c.topic, partition: c.partition, expected: c.expectedSequence, found: seq)
            }
            throw StoreError.notClaimed(topic: c.topic, partition: c.partition)
        }
        // 2. Closed minute counts and late corrections, rolled up into hours.
        if !c.closedCounts.isEmpty || !c.lateIncrements.isEmpty {
            let n = c.closedCounts.count + c.lateIncrements.count
            var ms: [Int64] = [], sc: [String] = [], di: [String] = [], ve: [String] = [], on: [Int64] = [], la: [Int64] = []
            ms.reserveCapacity(n); sc.reserveCapacity(n); di.reserveCapacity(n); ve.reserveCapacity(n)
            on.reserveCapacity(n); la.reserveCapacity(n)
            for r in c.closedCounts {
                ms.append(r.windowStartMs); sc.append(r.scenario); di.append(r.district); ve.append(r.verdict)
                on.append(r.count); la.append(0)
            }
            for r in c.lateIncrements {
                ms.append(r.windowStartMs); sc.append(r.scenario); di.append(r.district); ve.append(r.verdict)
                on.append(0); la.append(r.count)
            }
            try await conn.query("""
                WITH input AS (
                    SELECT ms, s, d, v, sum(c)::bigint AS c, sum(l)::bigint AS l
                    FROM unnest(\(ms)::bigint[], \(sc)::text[], \(di)::text[], \(ve)::text[], \(on)::bigint[], \(la)::bigint[])
                         AS t(ms, s, d, v, c, l)
                    GROUP BY ms, s, d, v
                ), minutes AS (
                    INSERT INTO counts_1m AS x (source_topic, source_partition, window_start, scenario, district, verdict, count, late)
                    SELECT \(c.topic), \(c.partition), 'epoch'::timestamptz + ms * interval '1 millisecond', s, d, v, c, l FROM input
                    ON CONFLICT (source_topic, source_partition, window_start, scenario, district, verdict)
                    DO UPDATE SET count = x.count + EXCLUDED.count, late = x.late + EXCLUDED.late
                )
                INSERT INTO counts_1h AS x (source_topic, source_partition, window_start, scenario, district, verdict, count, late)
                SELECT \(c.topic), \(c.partition), 'epoch'::timestamptz + h * interval '1 millisecond', s, d, v, sum(c), sum(l)
                FROM (SELECT ms - ((ms % 3600000) + 3600000) % 3600000 AS h, s, d, v, c, l FROM input) AS i
                GROUP BY h, s, d, v
                ON CONFLICT (source_topic, source_partition, window_start, scenario, district, verdict)
                DO UPDATE SET count = x.count + EXCLUDED.count, late = x.late + EXCLUDED.late
                """, logger: logger)
        }
        // 3. Unattributed lifetime counts.
        if !c.unattributedIncrements.isEmpty {
            let reasons = Array(c.unattributedIncrements.keys)
            let counts = reasons.map { c.unattributedIncrements[$0]! }
            try await conn.query("""
                INSERT INTO unattributed AS x (source_topic, source_partition, reason, count)
                SELECT \(c.topic), \(c.partition), r, n FROM unnest(\(reasons)::text[], \(counts)::bigint[]) AS t(r, n)
                ON CONFLICT (source_topic, source_partition, reason) DO UPDATE SET count = x.count + EXCLUDED.count
                """, logger: logger)
        }
        // 4. Duplicate filter ids.
        if !c.newDuplicateIDs.isEmpty {
            let hi = c.newDuplicateIDs.map { Int64(bitPattern: $0.hi) }
            let lo = c.newDuplicateIDs.map { Int64(bitPattern: $0.lo) }
            let at = c.newDuplicateIDs.map(\.scannedAtMs)
            try await conn.query("""
                INSERT INTO duplicate_ids (topic, partition, id_hi, id_lo, scanned_at_ms)
                SELECT \(c.topic), \(c.partition), h, l, a FROM unnest(\(hi)::bigint[], \(lo)::bigint[], \(at)::bigint[]) AS t(h, l, a)
                ON CONFLICT (topic, partition, id_hi, id_lo) DO UPDATE SET scanned_at_ms = EXCLUDED.scanned_at_ms
                """, logger: logger)
        }
        if let before = c.pruneDuplicatesBeforeMs {
            try await conn.query("""
                DELETE FROM duplicate_ids WHERE topic = \(c.topic) AND partition = \(c.partition) AND scanned_at_ms < \(before)
                """, logger: logger)
        }
        return .committed(sequence: newSequence)
    }

    // MARK: Plumbing

    /// Runs one SQL statement (tests, benchmarks, tooling); returns the first column of each row as
    /// text (`NULL` for null). The SQL is not parameterised: never pass untrusted text.
    public func executeSQL(_ sql: String) async throws -> [String] {
        try await guarded { conn, logger in
            var out: [String] = []
            for try await row in try await conn.query(PostgresQuery(unsafeSQL: sql), logger: logger) {
                out.append(try row.decode(String?.self) ?? "NULL")
            }
            return out
        }
    }

    /// Runs `body` on a pooled connection within `operationTimeout`, mapping errors to ``StoreError``.
    private func guarded<R: Sendable>(_ body: @escaping @Sendable (PostgresConnection, Logger) async throws -> R) async throws -> R {
        let client = self.client
        let logger = self.logger
        do {
            return try await Self.withDeadline(operationTimeout) {
                try await client.withConnection { conn in try await body(conn, logger) }
            }
        } catch {
            var mapped = PostgresErrorMapping.map(error)
            if case StoreError.unavailable(let underlying) = mapped {
                if underlying is OperationTimedOut, let refusal = await diagnoseRefusal() {
                    mapped = StoreError.unavailable(refusal)
                }
                logger.warning("state store unavailable", metadata: ["store": "\(location)", "error": "\(mapped)"])
            }
            throw mapped
        }
    }

    /// ``connectionRefusal(_:logger:)``, at most once per 30 s: its answer is reused meanwhile,
    /// so timeouts of concurrent calls (or a lock wait on a healthy but busy server) do not each
    /// open a connection of their own.
    private func diagnoseRefusal() async -> ConnectionRefused? {
        let now = ContinuousClock.now
        let cached: ConnectionRefused?? = diagnosis.withLock { d in
            if let at = d.at, now - at < .seconds(30) { return .some(d.result) }
            d.at = now  // claim the next 30 s before asking, so concurrent callers reuse the old answer
            return .none
        }
        if let cached { return cached }
        let result = await Self.connectionRefusal(location, logger: logger)
        diagnosis.withLock { $0.result = result }
        return result
    }

    /// Why the server refuses new connections, when it does. The pool only logs its failed
    /// connection attempts, so a call waiting for a connection to a server that rejects every
    /// login (a wrong password: SQLSTATE 28P01; a missing database: 3D000) would report only
    /// ``OperationTimedOut``. After such a timeout one direct connection (≤ 5 s, outside the
    /// pool) asks the server itself. Returns its error (SQLSTATE and message, never the
    /// password), or nil when the connection succeeds (it is closed) or fails without one.
    static func connectionRefusal(_ location: StoreLocation, logger: Logger) async -> ConnectionRefused? {
        do {
            let conn = try await PostgresConnection.connect(configuration: try location.connectionConfiguration(),
                                                            id: 0, logger: logger)
            try? await conn.close()
            return nil
        } catch let p as PSQLError {
            guard p.code == .server, let state = p.serverInfo?[.sqlState] else { return nil }
            return ConnectionRefused(sqlState: state, message: p.serverInfo?[.message] ?? "")
        } catch {
            return nil
        }
    }

    /// `body`'s result, or ``StoreError/unavailable(_:)`` with ``OperationTimedOut`` once
    /// `timeout` passed — without waiting for `body` to end. (A task group would wait for its
    /// child after cancelling it, and a query on a connection to a server that crashed
    /// mid-transaction was seen to ignore cancellation: the pipeline then hung silently
    /// instead of reporting the store down.) `body` is cancelled at the deadline and left to
    /// end on its own; a commit it still completes is answered `alreadyCommitted` on retry.
    static func withDeadline<R: Sendable>(_ timeout: Duration,
                                          _ body: @escaping @Sendable () async throws -> R) async throws -> R {
        let state = DeadlineState<R>()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (c: CheckedContinuation<R, any Error>) in
                state.pending.withLock { $0 = c }
                let timer = Task {
                    try? await Task.sleep(for: timeout)
                    guard !Task.isCancelled, let c = state.take() else { return }
                    state.work.withLock { $0 }?.cancel()
                    c.resume(throwing: StoreError.unavailable(OperationTimedOut(timeout: timeout)))
                }
                let work = Task {
                    let result: Result<R, any Error>
                    do { result = .success(try await body()) } catch { result = .failure(error) }
                    timer.cancel()
                    state.take()?.resume(with: result)
                }
                state.work.withLock { $0 = work }
            }
        } onCancel: {
            state.work.withLock { $0 }?.cancel()
        }
    }

    /// ``withDeadline(_:_:)``'s continuation (resumed once, by the body or the timer) and its work task.
    private final class DeadlineState<R: Sendable>: Sendable {
        let pending = Mutex<CheckedContinuation<R, any Error>?>(nil)
        let work = Mutex<Task<Void, Never>?>(nil)

        func take() -> CheckedContinuation<R, any Error>? {
            pending.withLock { c in
                defer { c = nil }
                return c
            }
        }
    }

    private static func transaction(_ conn: PostgresConnection, _ logger: Logger, _ body: () async throws -> Void) async throws {
        try await conn.query("BEGIN", logger: logger)
        do {
            try await body()
            try await conn.query("COMMIT", logger: logger)
        } catch {
            await rollbackOrClose(conn, logger)
            throw error
        }
    }

    /// Rolls back; if that fails the connection is closed so that the pool never hands out a
    /// connection stuck in a transaction.
    private static func rollbackOrClose(_ conn: PostgresConnection, _ logger: Logger) async {
        do {
            try await conn.query("ROLLBACK", logger: logger)
        } catch {
            try? await conn.close()
        }
    }
}

/// The underlying error of ``StoreError/unavailable(_:)`` when a call exceeded its timeout.
public struct OperationTimedOut: Error, Sendable, CustomStringConvertible {
    public var timeout: Duration
    public var description: String { "the state store did not answer within \(timeout)" }
}

/// The underlying error of ``StoreError/unavailable(_:)`` when a call timed out while the
/// server refused new connections: its SQLSTATE and message (class 28: the login, e.g. 28P01
/// "password authentication failed for user …"; 3D000: no such database).
public struct ConnectionRefused: Error, Sendable, CustomStringConvertible {
    /// The server's SQLSTATE, e.g. `28P01`.
    public var sqlState: String
    /// The server's message, e.g. `password authentication failed for user "streamproc"`.
    public var message: String
    /// `the server refused a new connection: MESSAGE (SQLSTATE STATE)`.
    public var description: String { "the server refused a new connection: \(message) (SQLSTATE \(sqlState))" }
}
