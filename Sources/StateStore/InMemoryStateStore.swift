/// A ``StateStore`` in memory, with the same semantics as ``PostgresStateStore`` (fencing epochs,
/// commit sequences, additive minute/hour counts, duplicate-id pruning), for the embedded demo
/// mode and tests. Nothing survives the process. An actor: calls are serialized.
public actor InMemoryStateStore: StateStore {
    private struct PartitionKey: Hashable {
        var topic: String
        var partition: Int32
    }
    private struct CellKey: Hashable {
        var windowStartMs: Int64
        var scenario: String
        var district: String
        var verdict: String
    }
    private struct CellValue {
        var count: Int64 = 0
        var late: Int64 = 0
    }
    private struct IDKey: Hashable {
        var hi: UInt64
        var lo: UInt64
    }
    private struct PartitionRow {
        var epoch: Int64
        var owner: String
        var nextOffset: Int64?
        var openState: [UInt8]
        var sequence: Int64
    }

    private var storedSchemaVersion: Int? = nil
    private var partitions: [PartitionKey: PartitionRow] = [:]
    private var minutes: [PartitionKey: [CellKey: CellValue]] = [:]
    private var hours: [PartitionKey: [CellKey: CellValue]] = [:]
    private var unattributed: [PartitionKey: [String: Int64]] = [:]
    /// Per partition, the duplicate ids in buckets of ``bucketMs`` of their `scanned_at`
    /// (bucket index → the ids committed into it, in commit order). Pruning drops whole
    /// buckets, so its cost does not grow with the ids kept. (It used to rebuild one
    /// dictionary of every id once the horizon had moved a minute: a copy of millions of ids
    /// inside a commit, which the pipeline's next commit tick waits for.) A commit appends,
    /// hashing nothing (a dictionary per bucket cost ~1 % of `bench run`'s pipeline CPU); an
    /// id re-timed later keeps its older entry until that bucket is dropped, and readers
    /// (``loadDuplicateIDs(topic:partition:sinceMs:)``, at a restore) take its latest time.
    private var duplicates: [PartitionKey: [Int64: [StoredDuplicateID]]] = [:]
    /// Per partition, the latest `pruneDuplicatesBeforeMs` committed: ids before it are gone
    /// for readers at once, and every bucket entirely before it is dropped.
    private var prunedBeforeMs: [PartitionKey: Int64] = [:]
    /// Width of a duplicate-id bucket, ms.
    static let bucketMs: Int64 = 60_000

    /// The bucket of `scanned_at` `ms` (floor division, so negative times bucket too).
    private static func bucket(_ ms: Int64) -> Int64 {
        ms >= 0 ? ms / bucketMs : -((-(ms &+ 1)) / bucketMs) - 1
    }

    public init() {}

    /// Test hook: the duplicate-id entries held for a partition, shadowed older copies of
    /// re-timed ids included, and the number of buckets they are in.
    func heldDuplicateEntries(topic: String, partition: Int32) -> (entries: Int, buckets: Int) {
        let buckets = duplicates[PartitionKey(topic: topic, partition: partition)] ?? [:]
        return (buckets.values.reduce(0) { $0 + $1.count }, buckets.count)
    }

    /// Test hook: pretend a binary with schema `version` migrated this store.
    func setStoredSchemaVersion(_ version: Int) {
        storedSchemaVersion = version
    }

    public func migrate() throws {
        let found = storedSchemaVersion ?? 0
        guard found <= Schema.currentVersion else {
            throw StoreError.schemaTooNew(found: found, known: Schema.currentVersion)
        }
        storedSchemaVersion = Schema.currentVersion
    }

    /// Always answers: the store is this process's memory.
    public func ping() {}

    private func requireSchema() throws {
        guard storedSchemaVersion != nil else { throw StoreError.notMigrated }
    }

    public func claim(topic: String, partition: Int32, owner: String) throws -> PartitionClaim {
        try requireSchema()
        let key = PartitionKey(topic: topic, partition: partition)
        var row = partitions[key] ?? PartitionRow(epoch: 0, owner: owner, nextOffset: nil, openState: [], sequence: 0)
        row.epoch += 1
        row.owner = owner
        partitions[key] = row
        return PartitionClaim(topic: topic, partition: partition, epoch: row.epoch, nextOffset: row.nextOffset,
                              openState: row.openState, sequence: row.sequence)
    }

    public func loadClosed(topic: String, partition: Int32, minutes m: Range<Int64>, hours h: Range<Int64>) throws -> ClosedCounts {
        try load(topic: topic, partition: partition, minutes: m, hours: h, late: false)
    }

    public func loadLate(topic: String, partition: Int32, minutes m: Range<Int64>, hours h: Range<Int64>) throws -> ClosedCounts {
        try load(topic: topic, partition: partition, minutes: m, hours: h, late: true)
    }

    private func load(topic: String, partition: Int32, minutes m: Range<Int64>, hours h: Range<Int64>, late: Bool) throws -> ClosedCounts {
        try requireSchema()
        let key = PartitionKey(topic: topic, partition: partition)
        func rows(_ table: [CellKey: CellValue]?, _ range: Range<Int64>) -> [StoredCount] {
            var out: [StoredCount] = []
            for (k, v) in table ?? [:] where range.contains(k.windowStartMs) {
                let n = late ? v.late : v.count
                if n > 0 {
                    out.append(StoredCount(windowStartMs: k.windowStartMs, scenario: k.scenario, district: k.district,
                                           verdict: k.verdict, count: n))
                }
            }
            out.sort { $0.windowStartMs < $1.windowStartMs }
            return out
        }
        return ClosedCounts(minutes: rows(minutes[key], m), hours: rows(hours[key], h))
    }

    public func loadDuplicateIDs(topic: String, partition: Int32, sinceMs: Int64) throws -> [StoredDuplicateID] {
        try requireSchema()
        let key = PartitionKey(topic: topic, partition: partition)
        let since = max(sinceMs, prunedBeforeMs[key] ?? .min)
        var latest: [IDKey: Int64] = [:]
        for (b, ids) in duplicates[key] ?? [:] where b >= Self.bucket(since) {
            for entry in ids where entry.scannedAtMs >= since {
                let id = IDKey(hi: entry.hi, lo: entry.lo)
                if let seen = latest[id], seen >= entry.scannedAtMs { continue }
                latest[id] = entry.scannedAtMs
            }
        }
        return latest.map { StoredDuplicateID(hi: $0.key.hi, lo: $0.key.lo, scannedAtMs: $0.value) }
    }

    public func loadUnattributed(topic: String, partition: Int32) throws -> [String: Int64] {
        try requireSchema()
        return unattributed[PartitionKey(topic: topic, partition: partition)] ?? [:]
    }

    public func commit(_ batch: [PartitionCommit]) throws -> [PartitionCommitOutcome] {
        try requireSchema()
        var outcomes: [PartitionCommitOutcome] = []
        var firstError: (any Error)? = nil
        for c in batch {
            do { outcomes.append(try commitOne(c)) } catch {
                firstError = firstError ?? error
                outcomes.append(.fenced(currentEpoch: -1))  // placeholder, never returned
            }
        }
        if let firstError { throw firstError }
        return outcomes
    }

    private func commitOne(_ c: PartitionCommit) throws -> PartitionCommitOutcome {
        let key = PartitionKey(topic: c.topic, partition: c.partition)
        guard var row = partitions[key] else { throw StoreError.notClaimed(topic: c.topic, partition: c.partition) }
        guard row.epoch == c.epoch else { return .fenced(currentEpoch: row.epoch) }
        if row.sequence == c.expectedSequence + 1 { return .alreadyCommitted(sequence: row.sequence) }
        guard row.sequence == c.expectedSequence else {
            throw StoreError.sequenceMismatch(topic: c.topic, partition: c.partition, expected: c.expectedSequence, found: row.sequence)
        }
        row.sequence += 1
        row.nextOffset = c.nextOffset
        row.openState = c.openState
        partitions[key] = row

        func add(_ r: StoredCount, late: Bool) {
            let hourStart = r.windowStartMs - ((r.windowStartMs % 3_600_000) + 3_600_000) % 3_600_000
            let mk = CellKey(windowStartMs: r.windowStartMs, scenario: r.scenario, district: r.district, verdict: r.verdict)
            let hk = CellKey(windowStartMs: hourStart, scenario: r.scenario, district: r.district, verdict: r.verdict)
            if late {
                minutes[key, default: [:]][mk, default: CellValue()].late += r.count
                hours[key, default: [:]][hk, default: CellValue()].late += r.count
            } else {
                minutes[key, default: [:]][mk, default: CellValue()].count += r.count
                hours[key, default: [:]][hk, default: CellValue()].count += r.count
            }
        }
        for r in c.closedCounts { add(r, late: false) }
        for r in c.lateIncrements { add(r, late: true) }
        for (reason, n) in c.unattributedIncrements { unattributed[key, default: [:]][reason, default: 0] += n }
        if !c.newDuplicateIDs.isEmpty {
            var buckets = duplicates.removeValue(forKey: key) ?? [:]  // mutated in place, not copied
            for id in c.newDuplicateIDs {
                // The latest time of an id wins at reading (an older copy is shadowed).
                buckets[Self.bucket(id.scannedAtMs), default: []].append(id)
            }
            duplicates[key] = buckets
        }
        if let before = c.pruneDuplicatesBeforeMs {
            prunedBeforeMs[key] = max(prunedBeforeMs[key] ?? .min, before)
            // Buckets wholly before the horizon go; the one it cuts is filtered by readers.
            let first = Self.bucket(before)
            if let buckets = duplicates[key], buckets.keys.contains(where: { $0 < first }) {
                duplicates[key] = buckets.filter { $0.key >= first }
            }
        }
        return .committed(sequence: row.sequence)
    }
}
