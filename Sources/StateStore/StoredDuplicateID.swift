/// One id remembered by the duplicate filter (spec v1 §5 rule 7), as the store keeps it: the
/// 128-bit id of an `event_id` (the first 128 bits of SHA-256 of its UTF-8 bytes, split in two
/// big-endian 64-bit halves; ScanRules' `DuplicateEntry` is the filter's side of the same value,
/// and StreamProc converts between them so this module needs no rules) and the event time the
/// id is remembered with, by which ids are pruned. PostgreSQL keeps each half as a `bigint`
/// (the `UInt64`'s bit pattern).
public struct StoredDuplicateID: Sendable, Hashable {
    /// First 64 bits of the id (never 0).
    public var hi: UInt64
    /// Next 64 bits of the id.
    public var lo: UInt64
    /// The event's `scanned_at`, **milliseconds** since the Unix epoch.
    public var scannedAtMs: Int64

    public init(hi: UInt64, lo: UInt64, scannedAtMs: Int64) {
        self.hi = hi
        self.lo = lo
        self.scannedAtMs = scannedAtMs
    }
}
