/// Where a `malformed` event is counted (spec v1 §5, last paragraph): its value
/// parsed as one JSON object without duplicate keys and it still has a known
/// scenario, a known district and an integer `scanned_at` that is not `clock_ahead`.
public struct Attribution: Sendable, Hashable {
    /// Index into ``ReferenceData/scenarios``.
    public let scenario: Int
    /// Index into ``ReferenceData/districts``.
    public let district: Int
    /// `scanned_at`, **milliseconds** since the Unix epoch.
    public let scannedAtMs: Int64

    public init(scenario: Int, district: Int, scannedAtMs: Int64) {
        self.scenario = scenario
        self.district = district
        self.scannedAtMs = scannedAtMs
    }
}
