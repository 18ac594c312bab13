/// One counter row of a closed window: (window, scenario, district, verdict) → count, for one
/// source partition (the partition is given by the surrounding call).
///
/// `windowStartMs` is ms since the Unix epoch, a multiple of 60 000 for minute rows and of
/// 3 600 000 for hour rows (UTC hours). Cells are spec v1 §7 (scenario, district, verdict).
public struct StoredCount: Sendable, Hashable {
    /// Window start, ms since the Unix epoch.
    public var windowStartMs: Int64
    public var scenario: String
    public var district: String
    public var verdict: String
    /// Number of events (on-time or late depending on the call).
    public var count: Int64

    public init(windowStartMs: Int64, scenario: String, district: String, verdict: String, count: Int64) {
        self.windowStartMs = windowStartMs
        self.scenario = scenario
        self.district = district
        self.verdict = verdict
        self.count = count
    }
}
