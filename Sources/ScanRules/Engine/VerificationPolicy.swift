/// Tunables of spec v1 §5 rules 1, 5, 6 and 7.
public struct VerificationPolicy: Sendable, Hashable {
    /// Allowed clock skew for rules 5 and 6, in **milliseconds** (spec §5: 30 s).
    public var clockSkewMs: Int64 = 30_000
    /// How far `scanned_at` may run ahead of the processor's wall clock before
    /// the event is `malformed` (`clock_ahead`), in milliseconds (spec §5: 5 min).
    public var clockAheadToleranceMs: Int64 = 300_000
    /// Rule 7 horizon: duplicates are sought among valid events whose
    /// `scanned_at` is at most this far away, in milliseconds (spec §5: 10 min).
    public var duplicateHorizonMs: Int64 = 600_000

    /// The spec's defaults.
    public init() {}
}
