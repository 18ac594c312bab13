/// What ``PartitionWindows/record(scenario:district:verdict:eventTimeMs:boundedTimeMs:wallClockMs:)`` did
/// with one event.
public enum RecordOutcome: Sendable, Equatable {
    /// Counted in its (open) pane.
    case counted
    /// Its pane (starting at `windowStartMs`, ms since the epoch) had already closed: the event
    /// was counted in the cell's `late` counter and will be reported once in a
    /// ``ClosedPane/Kind/late`` pane; the caller writes the record to the rejected topic with
    /// reason `late` (spec §7).
    case late(windowStartMs: Int64)
    /// The scenario or district index is outside the configured tables, or `eventTimeMs` is
    /// outside ±2^53 (spec §2): the event was counted as unattributed with this reason
    /// (`unknownScenario`, `unknownDistrict` or `badValue`). This signals a caller bug;
    /// the decoder should have rejected it.
    case unattributed(MalformedReason)
}
