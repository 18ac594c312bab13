/// One id remembered by ``DuplicateFilter`` (spec v1 §5 rule 7), as persisted
/// by the exactly-once store: the 128-bit hash of the `event_id` (see
/// ``DuplicateFilter/hash(eventID:)``) and the event time it was remembered with.
public struct DuplicateEntry: Sendable, Hashable {
    /// First 64 bits of SHA-256(`event_id` UTF-8), big-endian (never 0).
    public var hi: UInt64
    /// Next 64 bits of SHA-256(`event_id` UTF-8), big-endian.
    public var lo: UInt64
    /// The event's `scanned_at`, **milliseconds** since the Unix epoch.
    public var scannedAtMs: Int64

    public init(hi: UInt64, lo: UInt64, scannedAtMs: Int64) {
        self.hi = hi
        self.lo = lo
        self.scannedAtMs = scannedAtMs
    }
}
