/// A decoded scan event (spec v1 §2) that passed every `malformed` check the
/// decoder makes (spec v1 §5 rule 1, except `bad_signature_encoding`).
public struct ScanEvent: Sendable {
    /// `event_id`: 1–64 chars of `[A-Za-z0-9_-]`.
    public let eventID: String
    /// Index into ``ReferenceData/scenarios``.
    public let scenario: Int
    /// Index into ``ReferenceData/districts``.
    public let district: Int
    /// `terminal_id`: 1–64 printable ASCII chars.
    public let terminalID: String
    /// `scanned_at`: event time, **milliseconds** since the Unix epoch (terminal clock), |value| ≤ 2^53.
    public let scannedAtMs: Int64
    /// `mode`.
    public let mode: ScanMode
    /// `code`, decoded.
    public let code: SignedCode
    /// `detail`, typed by scenario.
    public let detail: ScenarioDetail

    public init(eventID: String, scenario: Int, district: Int, terminalID: String, scannedAtMs: Int64,
                mode: ScanMode, code: SignedCode, detail: ScenarioDetail) {
        self.eventID = eventID
        self.scenario = scenario
        self.district = district
        self.terminalID = terminalID
        self.scannedAtMs = scannedAtMs
        self.mode = mode
        self.code = code
        self.detail = detail
    }
}
