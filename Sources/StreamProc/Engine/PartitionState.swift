import Aggregates

/// What the pipeline keeps for one assigned input partition: the window
/// counters (spec §7), the duplicate filter (spec §5 rule 7) and the offsets
/// needed for a safe commit. A class, so that the pipeline mutates the
/// window storage in place: a struct copied out of a dictionary would make
/// the copy-on-write counters copy their 2.7 MB on every batch.
final class PartitionState {
    var windows: PartitionWindows
    var duplicates: DuplicateFilter
    /// Open pane start (ms) → lowest offset counted in it. The committable
    /// offset never passes the lowest of these, so a crash replays every event
    /// of every pane not yet emitted (at-least-once).
    var paneFloors: [Int64: Int64] = [:]
    /// Offset after the last record judged and counted (−1: none yet).
    var nextOffset: Int64 = -1
    /// Events judged on this partition since assignment.
    var events: UInt64 = 0

    init(windows: WindowConfiguration, policy: VerificationPolicy) {
        self.windows = PartitionWindows(configuration: windows)
        self.duplicates = DuplicateFilter(horizonMs: policy.duplicateHorizonMs, slackMs: windows.allowedLatenessMs)
    }

    /// Notes that the record at `offset` was counted in the pane starting at `paneStartMs`.
    func noteCounted(paneStartMs: Int64, offset: Int64) {
        if paneFloors[paneStartMs] == nil { paneFloors[paneStartMs] = offset }
    }

    /// Drops floors of panes that closed: every pane starting before the view edge.
    func forgetClosedPanes() {
        guard let edge = windows.viewEdgeMs, !paneFloors.isEmpty else { return }
        paneFloors = paneFloors.filter { $0.key >= edge }
    }

    /// The offset safe to commit: the next offset to consume after a restart
    /// such that nothing counted in an open pane is lost. `nil` before the first record.
    var committableOffset: Int64? {
        guard nextOffset >= 0 else { return nil }
        return min(nextOffset, paneFloors.values.min() ?? .max)
    }
}
