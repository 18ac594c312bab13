import ScanRules
import Aggregates

/// What the load generator produces (``LoadGenerator``): how many events, from which
/// seed, with which share of invalid events and resends, how disordered, which
/// algorithm mix, and the event-time axis (start and mean rate).
public struct WorkloadConfiguration: Sendable, Equatable {
    /// Number of events to pre-generate (`bench generate --events`); ignored by the live API.
    public var events: Int
    /// Seed of everything random except the signatures' nonces (and, with
    /// ``deterministicKeys``, of the signing keys).
    public var seed: UInt64
    /// Share of events that are deliberately invalid (malformed, unknown/revoked key,
    /// bad signature, expired, not yet valid); 0…1, default 0.08.
    public var invalidShare: Double
    /// Share of events that are resends of an earlier valid event (same bytes, same
    /// `event_id`, verdict `duplicate`, spec v1 §5 rule 7); 0…1, default 0.005.
    public var duplicateShare: Double
    /// Maximum delivery delay in **milliseconds**: each `scanned_at` lies up to this far
    /// before its position in arrival order, so events arrive out of order. Default 2000.
    public var disorderMs: Int64
    /// Algorithm mix of the valid codes.
    public var mix: LoadAlgorithmMix
    /// Event time of the first pre-generated event, **milliseconds** since the Unix epoch.
    public var startMs: Int64
    /// Mean events per **second** over a day for pre-generation; the instantaneous rate
    /// follows a diurnal curve (Asia/Shanghai morning and evening peaks) around it.
    public var ratePerSecond: Double
    /// Prefix of event ids (1–20 chars of `[A-Za-z0-9]`); `nil` derives one from seed and start.
    public var runPrefix: String?
    /// Whether the signing keys derive from ``seed`` (reproducible registry) or from the
    /// system's random source.
    public var deterministicKeys: Bool
    /// Live generation (``LoadGenerator/nextEvent(at:)``) only: a valid event may show a code
    /// signed for an earlier valid event of the same key, up to this many events per signed
    /// code, while the code's lifetime (spec §3, `iat` … `exp`, 60 s) still covers the new
    /// `scanned_at` with 10 s to spare. 1 (the default) signs every event. The processor
    /// verifies every event either way; this only lets one producer core offer rates above
    /// its signing rate (`bench soak` at 10,000 events/s).
    public var codeReuse: Int

    /// Errors of ``validate()``.
    public enum ConfigurationError: Error, Equatable {
        /// The named field is out of range.
        case outOfRange(String)
    }

    /// A configuration with the defaults described on each property.
    public init(events: Int = 100_000, seed: UInt64 = 1, invalidShare: Double = 0.08,
                duplicateShare: Double = 0.005, disorderMs: Int64 = 2_000,
                mix: LoadAlgorithmMix = .default, startMs: Int64, ratePerSecond: Double = 2_000,
                runPrefix: String? = nil, deterministicKeys: Bool = true, codeReuse: Int = 1) {
        self.events = events; self.seed = seed; self.invalidShare = invalidShare
        self.duplicateShare = duplicateShare; self.disorderMs = disorderMs; self.mix = mix
        self.startMs = startMs; self.ratePerSecond = ratePerSecond; self.runPrefix = runPrefix
        self.deterministicKeys = deterministicKeys; self.codeReuse = codeReuse
    }

    /// Checks ranges: shares in 0…1 with invalid + duplicate ≤ 1, events ≥ 0,
    /// disorder 0…600 000 ms, rate > 0, start ≥ 0, run prefix 1–20 alphanumerics.
    /// - Throws: ``ConfigurationError/outOfRange(_:)`` naming the field.
    public func validate() throws {
        func check(_ ok: Bool, _ name: String) throws { if !ok { throw ConfigurationError.outOfRange(name) } }
        try check(events >= 0, "events")
        try check(codeReuse >= 1, "codeReuse")
        try check(invalidShare >= 0 && invalidShare <= 1, "invalidShare")
        try check(duplicateShare >= 0 && duplicateShare <= 1, "duplicateShare")
        try check(invalidShare + duplicateShare <= 1, "invalidShare+duplicateShare")
        try check(disorderMs >= 0 && disorderMs <= 600_000, "disorderMs")
        try check(ratePerSecond > 0 && ratePerSecond.isFinite, "ratePerSecond")
        try check(startMs >= 0, "startMs")
        if let p = runPrefix {
            try check(!p.isEmpty && p.utf8.count <= 20
                      && p.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x7A) },
                      "runPrefix")
        }
    }
}
