import Aggregates

/// What the pipeline keeps for one assigned input partition: the window
/// counters (spec §7), the duplicate filter (spec §5 rule 7) and the offsets
/// needed for a safe commit. A class, so that the pipeline mutates the
/// window storage in place: a struct copied out of a dictionary would make
/// the copy-on-write counters copy their 2.7 MB on every batch.
package final class PartitionState {
    package var windows: PartitionWindows
    package var duplicates: DuplicateFilter
    /// Open pane start (ms) → lowest offset counted in it. The committable
    /// offset never passes the lowest of these, so a crash replays every event
    /// of every pane not yet emitted (at-least-once).
    package var paneFloors: [Int64: Int64] = [:]
    /// Offset after the last record judged and counted (−1: none yet).
    package var nextOffset: Int64 = -1
    /// Events judged on this partition since assignment.
    package var events: UInt64 = 0

    package init(windows: WindowConfiguration, policy: VerificationPolicy) {
        self.windows = PartitionWindows(configuration: windows)
        self.duplicates = DuplicateFilter(horizonMs: policy.duplicateHorizonMs, slackMs: windows.allowedLatenessMs)
    }

    /// A partition restored from a state store (exactly-once, issue 10): its window
    /// counters, and a journaling duplicate filter rebuilt from the stored ids, so that
    /// ``DuplicateFilter/drainNewEntries()`` yields what the next commit must add.
    package init(windows: PartitionWindows, policy: VerificationPolicy, duplicateIDs: [DuplicateEntry],
                 duplicateHighestMs: Int64?) {
        self.windows = windows
        self.duplicates = DuplicateFilter(horizonMs: policy.duplicateHorizonMs,
                                          slackMs: windows.configuration.allowedLatenessMs,
                                          restoring: duplicateIDs, highestScannedAtMs: duplicateHighestMs)
    }

    /// Where one judged record ended up.
    package enum Placement: Equatable {
        /// Counted in its open pane.
        case counted
        /// Its pane had closed: counted in the cell's `late` counter (spec §7).
        case late
        /// Counted per reason as unattributed (spec §5), never dropped.
        case unattributed(MalformedReason)
    }

    /// Applies rule 7 (spec §5) to `judgement`, then counts it in the window
    /// counters (spec §7), for the record at `offset` of this partition, in order.
    /// The one path shared by the pipeline and the replay.
    package func apply(_ judgement: inout Judgement, offset: Int64, wallClockMs: Int64) -> Placement {
        duplicates.apply(&judgement)
        nextOffset = offset + 1
        events += 1
        guard let a = judgement.attribution else {
            let reason = judgement.reason ?? .badJSON
            windows.recordUnattributed(reason)
            return .unattributed(reason)
        }
        switch windows.record(scenario: a.scenario, district: a.district, verdict: judgement.verdict,
                              eventTimeMs: a.scannedAtMs, boundedTimeMs: judgement.boundedTimeMs ?? a.scannedAtMs,
                              wallClockMs: wallClockMs) {
        case .counted:
            noteCounted(paneStartMs: WallClock.paneStart(a.scannedAtMs), offset: offset)
            return .counted
        case .late:
            return .late
        case .unattributed(let reason):
            return .unattributed(reason)
        }
    }

    /// Notes that the record at `offset` was counted in the pane starting at `paneStartMs`.
    package func noteCounted(paneStartMs: Int64, offset: Int64) {
        if paneFloors[paneStartMs] == nil { paneFloors[paneStartMs] = offset }
    }

    /// Drops floors of panes that closed: every pane starting before the view edge.
    package func forgetClosedPanes() {
        guard let edge = windows.viewEdgeMs, !paneFloors.isEmpty else { return }
        paneFloors = paneFloors.filter { $0.key >= edge }
    }

    /// The offset safe to commit: the next offset to consume after a restart
    /// such that nothing counted in an open pane is lost. `nil` before the first record.
    package var committableOffset: Int64? {
        guard nextOffset >= 0 else { return nil }
        return min(nextOffset, paneFloors.values.min() ?? .max)
    }
}
