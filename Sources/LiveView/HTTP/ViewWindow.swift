import Aggregates
/// A rolling view over the 1-minute event-time panes (spec v1 §7): the last
/// 1 min, 5 min, 15 min, 1 h or 24 h. The raw value is the query-string and
/// JSON spelling (`GET /api/v1/counts?view=5m`).
public enum ViewWindow: String, CaseIterable, Sendable, Codable, Hashable {
    case oneMinute = "1m"
    case fiveMinutes = "5m"
    case fifteenMinutes = "15m"
    case oneHour = "1h"
    case twentyFourHours = "24h"

    /// The view's length in milliseconds (e.g. 300 000 for `5m`).
    public var durationMs: Int64 {
        Int64(paneCount) * 60_000
    }

    /// The number of 1-minute panes the view sums (spec v1 §7): 1, 5, 15, 60 or 1440.
    public var paneCount: Int {
        switch self {
        case .oneMinute: 1
        case .fiveMinutes: 5
        case .fifteenMinutes: 15
        case .oneHour: 60
        case .twentyFourHours: 1440
        }
    }
}

extension ViewWindow {
    /// The window counters' view of the same span (see `RollingView` for the exact edges).
    public var rollingView: RollingView {
        switch self {
        case .oneMinute: .oneMinute
        case .fiveMinutes: .fiveMinutes
        case .fifteenMinutes: .fifteenMinutes
        case .oneHour: .oneHour
        case .twentyFourHours: .twentyFourHours
        }
    }
}
