/// Closed counts of one source partition loaded for a restore (see ``StateStore/loadClosed(topic:partition:minutes:hours:)``):
/// minute rows and hour rows, each in ascending `windowStartMs`, zero rows omitted.
public struct ClosedCounts: Sendable, Equatable {
    /// Rows of `counts_1m`.
    public var minutes: [StoredCount]
    /// Rows of `counts_1h`.
    public var hours: [StoredCount]

    public init(minutes: [StoredCount], hours: [StoredCount]) {
        self.minutes = minutes
        self.hours = hours
    }
}
