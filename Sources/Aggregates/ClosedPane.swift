/// One non-zero counter of a pane: (scenario index, district index, verdict) → count.
public struct PaneCount: Sendable, Equatable, Hashable {
    /// Index into the scenario table, `0..<scenarioCount`.
    public var scenario: Int
    /// Index into the district table, `0..<districtCount`.
    public var district: Int
    public var verdict: Verdict
    /// Number of events (never 0 in an emitted pane).
    public var count: UInt32

    public init(scenario: Int, district: Int, verdict: Verdict, count: UInt32) {
        self.scenario = scenario; self.district = district; self.verdict = verdict; self.count = count
    }
}

/// Counts of one 1-minute window emitted by ``PartitionWindows/advance(wallClockMs:caughtUp:)`` or
/// ``PartitionWindows/closeAll()`` (spec v1 §7).
///
/// Exactly-once rule: every counted event appears in exactly one emitted pane of the state
/// that counted it (or, after ``PartitionWindows/merge(_:)``, of the merged state if it had
/// not been emitted yet).
/// - `onTime`: emitted when the watermark passes the window's end; holds the window's
///   non-zero cells. After a merge, a window may get a second `onTime` pane holding only the
///   other state's not-yet-emitted contribution; consumers sum panes of equal window.
/// - `late`: a *late correction*: the events counted for this window after it closed, since
///   the previous emission. Emitted at the next `advance`/`closeAll`. Summing every `late`
///   pane of a window gives its total late count.
public struct ClosedPane: Sendable, Equatable {
    public enum Kind: UInt8, Sendable, Equatable, Comparable {
        case onTime = 0
        case late = 1
        public static func < (a: Kind, b: Kind) -> Bool { a.rawValue < b.rawValue }
    }

    public var kind: Kind
    /// Window start in ms since the Unix epoch (a multiple of 60 000).
    public var windowStartMs: Int64
    /// Non-zero counts, ascending by (scenario index, district index, verdict raw value).
    public var counts: [PaneCount]

    /// Window end in ms since the epoch (exclusive): `windowStartMs + 60 000`.
    public var windowEndMs: Int64 { windowStartMs + WindowConfiguration.paneMs }

    public init(kind: Kind, windowStartMs: Int64, counts: [PaneCount]) {
        self.kind = kind; self.windowStartMs = windowStartMs; self.counts = counts
    }
}
