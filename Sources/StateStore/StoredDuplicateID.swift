/// One id remembered by the duplicate filter: a 128-bit hash of (event_id, event time), split in
/// two 64-bit halves, and the wall-clock time it was scanned at (ms since the Unix epoch), by which
/// ids are pruned. Stored as two `bigint`s (bit pattern of the `UInt64`s).
public struct StoredDuplicateID: Sendable, Hashable {
    public var hi: UInt64
    public var lo: UInt64
    /// When the id was seen, ms since the Unix epoch.
    public var scannedAtMs: Int64

    public init(hi: UInt64, lo: UInt64, scannedAtMs: Int64) {
        self.hi = hi
        self.lo = lo
        self.scannedAtMs = scannedAtMs
    }
}
