/// The window counters of ONE input partition (spec v1 §7): dense per-cell counts in
/// event-time 1-minute tumbling panes, a watermark, rolling views and late counters.
///
/// A value type (copy-on-write over one allocation); not thread-safe by itself — give each
/// partition its own value, and combine views with ``ViewCounts/merged(_:of:)``.
///
/// ## Cells
/// A cell is (scenario index, district index, ``Verdict``), dense:
/// `(scenario × districtCount + district) × 8 + verdict.rawValue`. Indices come from the
/// reference tables (`scenarios.csv`, `districts.csv` row order), never strings.
/// Unattributed malformed events are counted per ``MalformedReason`` (lifetime counters).
///
/// ## Watermark (spec §7, revised 2026-12-01)
/// - Event part: the highest *bounded time* `min(scanned_at, exp × 1000 + skew)` among recorded
///   events with ``Verdict/signatureVerified``, minus `allowedLatenessMs`. The caller computes the
///   bounded time (it knows `exp` and the skew); `record` uses `min(eventTimeMs, boundedTimeMs)`,
///   so passing `exp × 1000 + skew` directly is equally correct. Events whose signature did not
///   verify never move time; a replayed genuine code cannot push time past its signed expiry.
/// - Idle rule: ``advance(wallClockMs:caughtUp:)`` with `caughtUp == true` (the caller read
///   everything the broker had for this partition at its last fetch) at wall clock `w`, when no
///   verified event was recorded during the last `idleTimeoutMs` of wall clock (`w − L ≥
///   idleTimeoutMs`, `L` = the latest `wallClockMs` passed with a verified event), raises the
///   watermark at once to at least `w − allowedLatenessMs`, whatever unverified records keep
///   arriving. Before any verified event, `L` is the wall clock of the first `advance` (the idle
///   clock starts there: a new or restored-empty partition flooded with unverifiable records
///   closes windows `idleTimeoutMs` after its first caught-up advance). With `caughtUp == false`
///   (a backlog, e.g. after an outage) there is no idle advance: the backlog's own events drive
///   its time and are never made late by the wall clock.
/// - Capacity rule (below) may raise it to the end of the oldest open minute.
/// - The watermark never decreases. It is `nil` until the first verified event, idle advance or
///   capacity close.
///
/// ## Bounded memory
/// At most `configuration.maxOpenPanes` (≤ 48) minutes are open. When recording an on-time event
/// (or merging) opens one more, the watermark is raised to the end of the oldest open minute and
/// that minute is closed early (repeated while over the cap); its `onTime` pane is emitted by the
/// next `advance`/`closeAll`. Nothing is dropped: the event that opened the pane is counted in it
/// (outcome `.counted`), and later events of closed minutes are late as usual. Legitimate traffic
/// keeps about `lateness + clock-ahead limit` ≈ 8 minutes open, far below the cap.
/// Trade-off: this is the only way records that did not verify can move time, and only by
/// spreading over more than `maxOpenPanes` distinct open minutes; with the decoder's
/// `clock_ahead` rule (spec §5: attributed records are at most 5 min ahead of the wall clock)
/// that needs a long backlog (not caught up) interleaved with records far ahead of it.
///
/// Bound (``allocatedBytes``): the 16-slot ring is preallocated; the overflow holds at most
/// `maxOpenPanes − 1` dense panes, so whatever the input
/// `allocatedBytes ≤ 106 × C × 4 + 928 + (maxOpenPanes − 1) × (C × 4 + 32) + 2 048 + pending`
/// with `C` counters per pane: for v1 tables (`C = 6 560`) and the default cap 48,
/// 2 782 368 + 1 234 784 + 2 048 ≤ 4 020 000 B (< 4 MiB) plus *pending*: pending on-time and late
/// corrections are kept only until the next `advance`/`closeAll` (memory proportional to the
/// distinct (minute, cell) pairs closed early or counted late since then).
///
/// ## Closing and lateness
/// Panes close in ``advance(wallClockMs:caughtUp:)`` (every pane whose end ≤ watermark),
/// ``closeAll()`` and by the capacity rule. An event whose pane is already closed is *late*:
/// counted in the cell's late counter (lifetime, ``lateCount(scenario:district:verdict:)``) and
/// in a pending late correction reported once, as a ``ClosedPane`` of kind `late`, by the next
/// `advance`/`closeAll`. Late events are not in the rolling views.
///
/// ## Storage (per partition, v1 tables: C = 20 × 41 × 8 = 6 560 UInt32 counters per pane)
/// 16 open minute panes + 60 closed minute panes + 24 hour panes + 5 view totals + 1 late
/// = 106 × C × 4 B = 2 781 440 B (2.65 MiB), independent of traffic, plus overflow panes
/// (see "Bounded memory").
///
/// ## Persistence
/// ``snapshot()`` writes everything; ``openStateSnapshot()`` writes everything but the closed
/// history (for a per-second exactly-once commit), restored with
/// ``init(configuration:openState:closedMinutes:closedHours:)``.
public struct PartitionWindows: Sendable {
    @usableFromInline var storage: WindowStorage
    /// The configuration (table sizes may have grown since init: see ``grow(scenarioCount:districtCount:)``).
    public internal(set) var configuration: WindowConfiguration

    /// An empty state: no panes, no watermark.
    public init(configuration: WindowConfiguration) {
        self.configuration = configuration
        self.storage = WindowStorage(scenarioCount: configuration.scenarioCount,
                                     districtCount: configuration.districtCount)
    }

    init(configuration: WindowConfiguration, storage: WindowStorage) {
        self.configuration = configuration
        self.storage = storage
    }

    @inlinable @inline(__always) mutating func makeUnique() {
        if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
    }

    /// Counts one attributed event in the 1-minute pane of `eventTimeMs` (spec §5, §7).
    ///
    /// - Parameters:
    ///   - scenario: scenario index `0..<scenarioCount`.
    ///   - district: district index `0..<districtCount`.
    ///   - verdict: the event's verdict; when ``Verdict/signatureVerified`` the event may move
    ///     the watermark and restarts the idle period.
    ///   - eventTimeMs: `scanned_at`, ms since the epoch (within ±2^53): chooses the pane.
    ///   - boundedTimeMs: the event's bounded time `min(scanned_at, exp × 1000 + skew)` in ms
    ///     (spec §7; `exp` is in seconds, skew default 30 000 ms); only read for verified
    ///     verdicts. The watermark uses `min(eventTimeMs, boundedTimeMs)`.
    ///   - wallClockMs: the processor's wall clock, ms since the epoch (for the idle rule).
    /// - Returns: `.counted` (also when the capacity rule then closed its pane early),
    ///   `.late(windowStartMs:)` (pane already closed: the caller sends the record to the
    ///   rejected topic with reason `late`), or `.unattributed` for out-of-range indices or time
    ///   (a caller bug; counted per reason, never dropped).
    /// - Complexity: O(1), a few integer operations when the pane is in the open ring; O(cells)
    ///   when the capacity rule closes a pane.
    @inlinable @inline(__always)
    public mutating func record(scenario: Int, district: Int, verdict: Verdict,
                                eventTimeMs: Int64, boundedTimeMs: Int64, wallClockMs: Int64) -> RecordOutcome {
        makeUnique()
        return storage.record(scenario: scenario, district: district, verdict: verdict,
                              eventTimeMs: eventTimeMs, boundedTimeMs: boundedTimeMs, wallClockMs: wallClockMs,
                              lateness: configuration.allowedLatenessMs, maxOpen: configuration.maxOpenPanes)
    }

    /// Counts one unattributed malformed event (spec §5) under its reason.
    public mutating func recordUnattributed(_ reason: MalformedReason) {
        makeUnique()
        storage.unattributed[Int(reason.rawValue)] &+= 1
    }

    /// Applies the idle rule at wall clock `wallClockMs` (ms since the epoch; see the type's doc),
    /// closes every pane whose end ≤ watermark and returns, ascending by (window start, kind): the
    /// newly closed panes (`onTime`, each exactly once), pending on-time panes (closed early by
    /// the capacity rule or by ``merge(_:)``), and late corrections since the previous emission.
    ///
    /// - Parameters:
    ///   - wallClockMs: the processor's wall clock, ms since the epoch. The first call starts the
    ///     idle clock of a partition that has seen no verified event.
    ///   - caughtUp: `true` when the caller has read everything the broker had for this
    ///     partition at its last fetch (no backlog): only then may the idle rule raise the
    ///     watermark to `wallClockMs − allowedLatenessMs`. Pass `false` while a backlog is read
    ///     and during a replay.
    public mutating func advance(wallClockMs: Int64, caughtUp: Bool) -> [ClosedPane] {
        makeUnique()
        storage.applyIdle(wall: wallClockMs, caughtUp: caughtUp, lateness: configuration.allowedLatenessMs,
                          idle: configuration.idleTimeoutMs)
        var out: [ClosedPane] = []
        if storage.hasWatermark {
            let target = min(max(WindowStorage.floorDiv(storage.watermark, 60_000), WindowStorage.minMinute),
                             WindowStorage.maxMinute + 1)
            out = storage.close(through: target)
        }
        return Self.ordered(out + storage.drainPending())
    }

    /// End of input (replay): closes every open pane whatever the watermark, and drains pending
    /// corrections. Same shape and order as ``advance(wallClockMs:caughtUp:)``. The watermark
    /// is not changed.
    public mutating func closeAll() -> [ClosedPane] {
        makeUnique()
        let out = storage.closeAll()
        return Self.ordered(out + storage.drainPending())
    }

    static func ordered(_ panes: [ClosedPane]) -> [ClosedPane] {
        panes.sorted { ($0.windowStartMs, $0.kind) < ($1.windowStartMs, $1.kind) }
    }

    /// The watermark in ms since the epoch (spec §7), `nil` before the first verified event,
    /// idle advance or capacity close. Includes the idle advance of the last
    /// ``advance(wallClockMs:caughtUp:)``.
    public var watermarkMs: Int64? { storage.hasWatermark ? storage.watermark : nil }

    /// End (exclusive, ms since the epoch) of the newest closed minute: every view ends here
    /// (see ``RollingView``). `nil` before the first pane closed.
    public var viewEdgeMs: Int64? { storage.hasEdge ? storage.edge * 60_000 : nil }

    /// The counts of a rolling view, relative to ``viewEdgeMs`` (see ``RollingView`` for the
    /// exact spans). All zero before the first close.
    /// - Complexity: O(cells): one copy of a running total.
    public func view(_ v: RollingView) -> ViewCounts {
        let p = storage.total(v.rawValue)
        return ViewCounts(scenarioCount: storage.scenarioCount, districtCount: storage.districtCount,
                          counts: Array(UnsafeBufferPointer(start: p, count: storage.cells)))
    }

    /// Calls `body` with the running total of a view, without copying (flat cell layout, see
    /// the type's doc). The buffer is valid only inside `body`.
    public func withView<R>(_ v: RollingView, _ body: (UnsafeBufferPointer<UInt32>) throws -> R) rethrows -> R {
        try withExtendedLifetime(storage) {
            try body(UnsafeBufferPointer(start: storage.total(v.rawValue), count: storage.cells))
        }
    }

    /// Lifetime count of late events of a cell (0 for out-of-range indices).
    public func lateCount(scenario: Int, district: Int, verdict: Verdict) -> UInt32 {
        guard scenario >= 0, scenario < storage.scenarioCount, district >= 0,
              district < storage.districtCount else { return 0 }
        return storage.lateTotals[((scenario * storage.districtCount + district) << 3) | Int(verdict.rawValue)]
    }

    /// Lifetime count of unattributed malformed events with this reason.
    public func unattributedCount(_ reason: MalformedReason) -> UInt64 {
        storage.unattributed[Int(reason.rawValue)]
    }

    /// Lifetime count of unattributed malformed events, all reasons.
    public var unattributedTotal: UInt64 { storage.unattributed.reduce(0, &+) }

    /// Bytes allocated for this partition: counter regions, tags and overflow panes (exact), plus
    /// an estimate of the pending-correction dictionaries (see "Bounded memory" in the type's doc).
    public var allocatedBytes: Int { storage.allocatedBytes }

    /// Number of open minute panes (ring and overflow), at most `configuration.maxOpenPanes`.
    public var openPaneCount: Int { storage.openCount }
}

extension PartitionWindows {
    /// Restarts the idle clock of spec §7 at `wallClockMs` (ms since the epoch): the partition
    /// counts as having just seen a verified event, so the wall clock can move its watermark
    /// only after a further `idleTimeoutMs`. A new owner calls this when it takes a restored
    /// partition over: nobody observed the partition during the handover, so that time is
    /// not idleness.
    public mutating func restartIdleClock(wallClockMs: Int64) {
        makeUnique()
        storage.idleSince = wallClockMs
    }
}

extension PartitionWindows {
    /// The counts of the panes still open (not yet closed by the watermark, spec §7), summed
    /// cell by cell: provisional counts a live view shows beside the closed rolling views.
    /// They may still grow; the counts topic and the state store hold closed panes only.
    /// - Complexity: O(open panes × cells), at most 48 × cells.
    public func openCounts() -> ViewCounts {
        var sum = [UInt32](repeating: 0, count: storage.cells)
        withExtendedLifetime(storage) {
            for slot in 0..<WindowStorage.openSlots where storage.openTags[slot] != WindowStorage.empty {
                let p = storage.openPane(slot)
                for i in 0..<storage.cells where p[i] != 0 { sum[i] &+= p[i] }
            }
            for pane in storage.overflow.values {
                for i in 0..<min(pane.count, sum.count) where pane[i] != 0 { sum[i] &+= pane[i] }
            }
        }
        return ViewCounts(scenarioCount: storage.scenarioCount, districtCount: storage.districtCount, counts: sum)
    }

    /// End (exclusive, ms since the epoch) of the newest open minute, `nil` when no pane is open:
    /// the edge of the provisional counts (``openCounts()``).
    public var openEdgeMs: Int64? {
        var newest: Int64?
        for slot in 0..<WindowStorage.openSlots where storage.openTags[slot] != WindowStorage.empty {
            newest = max(newest ?? storage.openTags[slot], storage.openTags[slot])
        }
        for m in storage.overflow.keys { newest = max(newest ?? m, m) }
        return newest.map { ($0 + 1) * WindowConfiguration.paneMs }
    }
}
