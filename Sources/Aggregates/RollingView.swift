/// A rolling view over the closed panes of a partition (spec v1 §7).
///
/// Every view ends at the partition's *view edge* `E` (``PartitionWindows/viewEdgeMs``):
/// the end of the most recently closed minute, i.e. `floor(watermark / 60 s) · 60 s` as of
/// the last ``PartitionWindows/advance(wallClockMs:caughtUp:)``. Views are relative to the
/// watermark, never to the wall clock, so a replay gives the same answers.
///
/// | view | covers (event time) |
/// |---|---|
/// | `oneMinute` | `[E − 1 min, E)` |
/// | `fiveMinutes` | `[E − 5 min, E)` |
/// | `fifteenMinutes` | `[E − 15 min, E)` |
/// | `oneHour` | `[E − 60 min, E)` |
/// | `twentyFourHours` | `[ceilHour(E) − 24 h, E)`: hour-granular, between 23 h 01 min and 24 h |
///
/// Late events (counted after their pane closed) are not part of any view; see
/// ``ClosedPane/Kind/late``.
public enum RollingView: Int, CaseIterable, Sendable, Hashable {
    case oneMinute = 0
    case fiveMinutes = 1
    case fifteenMinutes = 2
    case oneHour = 3
    case twentyFourHours = 4

    /// The minute-granular span in minutes (1, 5, 15, 60), or `nil` for the hour-granular 24 h view.
    public var minutes: Int? {
        switch self {
        case .oneMinute: 1
        case .fiveMinutes: 5
        case .fifteenMinutes: 15
        case .oneHour: 60
        case .twentyFourHours: nil
        }
    }

    /// Short label, e.g. `"5m"`, `"24h"`.
    public var label: String {
        switch self {
        case .oneMinute: "1m"
        case .fiveMinutes: "5m"
        case .fifteenMinutes: "15m"
        case .oneHour: "1h"
        case .twentyFourHours: "24h"
        }
    }
}
