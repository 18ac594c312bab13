/// The on-time counts of one closed period as a store keeps them, for
/// ``PartitionWindows/init(configuration:openState:closedMinutes:closedHours:)``.
///
/// - A *minute row*: `startMs` is a minute start (multiple of 60 000 ms); `counts` is the sum of
///   every `onTime` ``ClosedPane`` of that window (late corrections excluded).
/// - An *hour row*: `startMs` is an hour start (multiple of 3 600 000 ms); `counts` is the sum of
///   the `onTime` panes of the minutes of that hour (the hour holding the view edge is partial:
///   only its minutes before the edge are closed).
///
/// Several rows with the same `startMs` are added together; zero counts are ignored.
public struct ClosedCounts: Sendable, Equatable {
    /// Period start in ms since the Unix epoch (UTC).
    public var startMs: Int64
    /// Counts by cell (any order; repeated cells are added).
    public var counts: [PaneCount]

    public init(startMs: Int64, counts: [PaneCount]) {
        self.startMs = startMs; self.counts = counts
    }
}

/// Which closed rows a restore needs, for a view edge `E` (ms, a minute boundary; see
/// ``PartitionWindows/restoreRanges(viewEdgeMs:)``). Both ranges are half-open, in ms since the
/// epoch, and select rows by their `startMs`.
public struct RestoreRanges: Sendable, Equatable {
    /// Minute rows: `[E − 60 min, E)`, the 60 closed minutes of the 1 m, 5 m, 15 m and 1 h views.
    public var minutesMs: Range<Int64>
    /// Hour rows: `[ceilHour(E) − 24 h, ceilHour(E))`, the 24 hours of the 24 h view; the last
    /// hour is partial when `E` is not a whole hour.
    public var hoursMs: Range<Int64>

    public init(minutesMs: Range<Int64>, hoursMs: Range<Int64>) {
        self.minutesMs = minutesMs; self.hoursMs = hoursMs
    }
}
