import Aggregates
import Crypto

/// Spec v1 §5 rule 7 for one input partition: a `valid` event whose
/// `event_id` was already seen on an earlier `valid` event at most the
/// horizon away in event time is a `duplicate`.
///
/// Terminals retry with the same `event_id`, and platforms key records by
/// terminal or district, so retries land on the same partition: the filter is
/// kept per partition, which also makes its answers independent of how many
/// instances share a consumer group.
///
/// **Rule, exactly.** Only `valid` judgements with an `event_id` and a
/// `scanned_at` take part. With `previous` the remembered time of the id:
/// `abs(previous − at) <= horizon` → `duplicate` (nothing is remembered);
/// otherwise the event stays `valid` and the id is remembered with `at` (an id
/// re-seen beyond the horizon is re-timed, also to an older time).
///
/// **Eviction.** Event time is cut in one-minute buckets (`ms / 60_000`,
/// truncating). Whenever a valid event raises the highest `scanned_at` seen
/// among valid events, every id whose time lies in a bucket before
/// `(highest − horizon − slack) / 60_000` is forgotten. (An event older than
/// that is a late event anyway; its duplicate check then only sees the ids
/// still kept. An id remembered with such an old time is kept until the
/// highest time rises again.) Memory is therefore bounded by
/// rate × (horizon + slack + 1 min).
///
/// **Storage.** Ids are kept as the first 128 bits of SHA-256 of the
/// `event_id`'s UTF-8 bytes (stable across processes and runs; see
/// ``hash(eventID:)``) in an open-addressing table of 20 bytes per slot
/// (two `UInt64` halves and a 32-bit ms offset), load factor kept within
/// [0.625, 0.85]: 23.5–32 bytes per id held, no allocation per id. Eviction is
/// one pass over the table each time the cutoff bucket moves (once per minute
/// of event-time progress), i.e. about (horizon + slack) / 1 min slot visits
/// per remembered id.
///
/// **Persistence** (exactly-once store): with journaling on, every id added or
/// re-timed is also appended to a journal that ``drainNewEntries()`` hands out
/// in order. The store keeps the latest entry per (`hi`, `lo`) (a later entry
/// of the same id replaces the earlier one) and may delete entries whose time
/// is below ``evictionCutoffMs``; ``init(horizonMs:slackMs:restoring:highestScannedAtMs:)``
/// rebuilds the filter from them. The restored filter answers exactly as the
/// original would have from the commit point on, given ``highestScannedAtMs``
/// as read at that commit. Sole exception: an id remembered with a time before
/// the cutoff (a valid event more than horizon + slack behind the highest) is
/// kept by the original until the highest rises again, but not restored.
///
/// A value type; not thread-safe: one partition's events are applied in order
/// by one task at a time.
public struct DuplicateFilter: Sendable {
    /// The horizon of rule 7, in milliseconds (default 10 min).
    public let horizonMs: Int64
    /// Extra time ids are kept beyond the horizon, in milliseconds; the
    /// pipeline uses the allowed lateness (2 min) so that every event that is
    /// not late is checked against every id it could repeat.
    public let slackMs: Int64
    /// Whether ids added or re-timed are journaled for ``drainNewEntries()``.
    /// Off, the journal stays empty (no memory is used for it).
    public let journaling: Bool

    /// Width of an eviction bucket: one minute of event time, in ms.
    static let bucketMs: Int64 = 60_000
    /// Load factor limits of the table: grow above `maxLoad`, shrink (after an
    /// eviction pass) below `minLoad`, both to `targetLoad`.
    static let maxLoad = 0.85, minLoad = 0.625, targetLoad = 0.7

    private var table = DuplicateIDTable(capacity: 8)
    private var highestMs: Int64 = .min
    private var anyValid = false
    /// `(highest − horizon − slack) / 60_000` as of the last eviction; nil before any.
    private var cutoffBucket: Int64?
    /// Ids remembered since the last rise of the highest time with a time
    /// before the cutoff bucket: forgotten at the next rise.
    private var pendingLate: [DuplicateIDTable.Key] = []
    private var journal: [DuplicateEntry] = []

    /// An empty filter.
    /// - Parameters:
    ///   - horizonMs: rule 7's horizon in milliseconds (≥ 0).
    ///   - slackMs: how much longer ids are kept, in milliseconds (≥ 0).
    ///   - journaling: record added and re-timed ids for ``drainNewEntries()``.
    public init(horizonMs: Int64 = 600_000, slackMs: Int64 = 120_000, journaling: Bool = false) {
        precondition(horizonMs >= 0 && slackMs >= 0, "horizon and slack must not be negative")
        self.horizonMs = horizonMs
        self.slackMs = slackMs
        self.journaling = journaling
    }

    /// Rebuilds a filter from the entries the store kept (journaling on, the
    /// journal empty: these entries are already stored).
    ///
    /// Entries are applied in sequence order (a later entry of the same id
    /// wins), then one eviction pass runs at the highest time, which is
    /// `highestScannedAtMs` when given (pass ``highestScannedAtMs`` as read at
    /// the commit: the id that set it may have been re-timed since) or else the
    /// highest entry time. Ids before the cutoff are dropped.
    /// - Parameters:
    ///   - horizonMs: rule 7's horizon in milliseconds (≥ 0), as before the commit.
    ///   - slackMs: the slack in milliseconds (≥ 0), as before the commit.
    ///   - entries: the stored entries, e.g. the store's rows in any order when it
    ///     keeps one row per (`hi`, `lo`).
    ///   - highestScannedAtMs: ``highestScannedAtMs`` at the commit, if persisted.
    public init(horizonMs: Int64 = 600_000, slackMs: Int64 = 120_000,
                restoring entries: some Sequence<DuplicateEntry>, highestScannedAtMs: Int64? = nil) {
        self.init(horizonMs: horizonMs, slackMs: slackMs, journaling: true)
        var highest = highestScannedAtMs ?? .min
        var any = highestScannedAtMs != nil
        for e in entries {
            upsert(hi: e.hi == 0 ? 1 : e.hi, lo: e.lo, at: e.scannedAtMs)
            highest = max(highest, e.scannedAtMs)
            any = true
        }
        if any {
            anyValid = true
            highestMs = highest
            evict()
        }
    }

    /// Number of ids held: the filter's memory, bounded by rate × (horizon + slack + 1 min).
    public var count: Int { table.count }

    /// Bytes of the buffers this filter owns: the table's slots (20 bytes each),
    /// its rare overflow entries, the late-id list and the undrained journal
    /// (24 bytes per entry). Excludes allocator overhead.
    public var allocatedBytes: Int {
        table.allocatedBytes
            + pendingLate.capacity * MemoryLayout<DuplicateIDTable.Key>.stride
            + journal.capacity * MemoryLayout<DuplicateEntry>.stride
    }

    /// The highest `scanned_at` (ms) seen among valid events (restored ones
    /// included); nil before the first.
    public var highestScannedAtMs: Int64? { anyValid ? highestMs : nil }

    /// Ids remembered with a time (ms) below this are no longer needed: the
    /// store may delete them. It is the first ms of the cutoff bucket
    /// (`(highest − horizon − slack) / 60_000`); nil before the first valid event.
    /// Non-decreasing while the highest time rises.
    public var evictionCutoffMs: Int64? { cutoffBucket.map(Self.bucketStart) }

    /// Ids remembered with an old time that the next rise of the highest time forgets (for tests).
    var pendingLateCount: Int { pendingLate.count }

    /// Applies rule 7 to a judgement in partition order; only `valid`
    /// judgements can change (to `duplicate`), and only they are remembered.
    public mutating func apply(_ judgement: inout Judgement) {
        guard judgement.verdict == .valid, let id = judgement.eventID,
              let at = judgement.attribution?.scannedAtMs else { return }
        let (hi, lo) = Self.hash(eventID: id)
        if let slot = table.find(hi: hi, lo: lo), abs(table.time(at: slot) &- at) <= horizonMs {
            judgement.verdict = .duplicate
            return
        }
        upsert(hi: hi, lo: lo, at: at)
        if journaling { journal.append(DuplicateEntry(hi: hi, lo: lo, scannedAtMs: at)) }
        anyValid = true
        if at > highestMs {
            highestMs = at
            evict()
        } else if let c = cutoffBucket, at / Self.bucketMs < c {
            pendingLate.append(DuplicateIDTable.Key(hi: hi, lo: lo))
        }
    }

    /// The ids added or re-timed since the previous drain (or since creation),
    /// in the order they were applied; empty when journaling is off. Clears the journal.
    public mutating func drainNewEntries() -> [DuplicateEntry] {
        guard !journal.isEmpty else { return [] }
        let out = journal
        journal.removeAll(keepingCapacity: true)
        return out
    }

    /// The 128-bit id of an `event_id`: SHA-256 of its UTF-8 bytes, first 8
    /// bytes big-endian → `hi`, next 8 → `lo` (stable across processes, runs
    /// and machines). A `hi` of 0 (probability 2⁻⁶⁴) is stored as 1, since 0
    /// marks an empty slot.
    public static func hash(eventID: String) -> (hi: UInt64, lo: UInt64) {
        var text = eventID
        let digest = text.withUTF8 { bytes in
            var h = SHA256()
            h.update(bufferPointer: UnsafeRawBufferPointer(bytes))
            return h.finalize()
        }
        return digest.withUnsafeBytes { raw in
            var hi: UInt64 = 0, lo: UInt64 = 0
            for i in 0..<8 { hi = hi << 8 | UInt64(raw[i]) }
            for i in 8..<16 { lo = lo << 8 | UInt64(raw[i]) }
            return (hi == 0 ? 1 : hi, lo)
        }
    }

    /// Sets the time of an id, adding it when absent.
    private mutating func upsert(hi: UInt64, lo: UInt64, at: Int64) {
        if let slot = table.find(hi: hi, lo: lo) {
            table.setTime(at, at: slot)
            return
        }
        if Double(table.count + 1) > Double(table.capacity) * Self.maxLoad {
            table = table.resized(to: Int((Double(table.count + 1) / Self.targetLoad).rounded(.up)))
        }
        table.insertNew(hi: hi, lo: lo, ms: at)
    }

    /// The highest time rose: forget ids in buckets before the cutoff bucket.
    private mutating func evict() {
        let c = (highestMs &- horizonMs &- slackMs) / Self.bucketMs
        if c != cutoffBucket {
            cutoffBucket = c
            table.removeAll(where: { $0 / Self.bucketMs < c }, newBaseMs: Self.bucketStart(c))
            pendingLate = []
            if table.capacity > 16 && Double(table.count) < Double(table.capacity) * Self.minLoad {
                table = table.resized(to: Int((Double(table.count) / Self.targetLoad).rounded(.up)))
            }
        } else if !pendingLate.isEmpty {
            // Same cutoff: only ids remembered late since the last rise can be before it.
            for key in pendingLate {
                if let slot = table.find(hi: key.hi, lo: key.lo), table.time(at: slot) / Self.bucketMs < c {
                    table.remove(at: slot)
                }
            }
            pendingLate = []
        }
    }

    /// The first ms of bucket `b` (ms / 60_000 truncates toward zero, so bucket 0
    /// spans −59 999…59 999), clamped to the Int64 range.
    static func bucketStart(_ b: Int64) -> Int64 {
        let (m, o) = b.multipliedReportingOverflow(by: bucketMs)
        if o { return b > 0 ? .max : .min }
        if b > 0 { return m }
        let (s, o2) = m.subtractingReportingOverflow(bucketMs - 1)
        return o2 ? .min : s
    }
}
