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
/// ## Watermark (spec §7)
/// - Event part: `maxVerified − allowedLatenessMs`, where `maxVerified` is the highest
///   `scanned_at` among recorded events with ``Verdict/signatureVerified``. Events whose
///   signature did not verify never move time.
/// - Idle rule: let `L` be the wall clock (as passed to `record`) of the last verified event
///   and `A` the watermark at that moment. At wall clock `w`, if `w − L > idleTimeoutMs`, the
///   watermark is at least `A + (w − L − idleTimeoutMs)`: after the idle timeout it moves
///   with the wall clock. A verified event at wall clock `w` folds the idle time accrued so far
///   into `A` (`A += max(0, w − L − idleTimeoutMs)`, then `A = max(A, scanned_at − lateness)`,
///   `L = w`). A partition that never saw a verified event has no watermark (`nil`) and closes
///   nothing until ``closeAll()``.
/// - The watermark never decreases.
///
/// ## Closing and lateness
/// Panes close only in ``advance(wallClockMs:)`` (every pane whose end ≤ watermark) and
/// ``closeAll()``. An event whose pane is already closed is *late*: counted in the cell's
/// late counter (lifetime, ``lateCount(scenario:district:verdict:)``) and in a pending late
/// correction reported once, as a ``ClosedPane`` of kind `late`, by the next
/// `advance`/`closeAll`. Late events are not in the rolling views.
///
/// ## Storage (per partition, v1 tables: C = 20 × 41 × 8 = 6 560 UInt32 counters per pane)
/// 16 open minute panes + 60 closed minute panes + 24 hour panes + 5 view totals + 1 late
/// = 106 × C × 4 B = 2 781 440 B (2.65 MiB), independent of traffic. Open panes beyond the
/// 16-slot ring (e.g. far-future events before any watermark) go to a sparse overflow map,
/// which costs memory proportional to the events in it.
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
    ///     the watermark.
    ///   - eventTimeMs: `scanned_at`, ms since the epoch (within ±2^53).
    ///   - wallClockMs: the processor's wall clock, ms since the epoch (for the idle rule).
    /// - Returns: `.counted`, `.late(windowStartMs:)` (pane already closed: the caller sends the
    ///   record to the rejected topic with reason `late`), or `.unattributed` for out-of-range
    ///   indices or time (a caller bug; counted per reason, never dropped).
    /// - Complexity: O(1), a few integer operations when the pane is in the open ring.
    @inlinable @inline(__always)
    public mutating func record(scenario: Int, district: Int, verdict: Verdict,
                                eventTimeMs: Int64, wallClockMs: Int64) -> RecordOutcome {
        makeUnique()
        return storage.record(scenario: scenario, district: district, verdict: verdict,
                              eventTimeMs: eventTimeMs, wallClockMs: wallClockMs,
                              lateness: configuration.allowedLatenessMs,
                              idle: configuration.idleTimeoutMs)
    }

    /// Counts one unattributed malformed event (spec §5) under its reason.
    public mutating func recordUnattributed(_ reason: MalformedReason) {
        makeUnique()
        storage.unattributed[Int(reason.rawValue)] &+= 1
    }

    /// Materialises the watermark at wall clock `wallClockMs` (ms since the epoch), closes every
    /// pane whose end ≤ watermark and returns, ascending by (window start, kind): the newly
    /// closed panes (`onTime`, each exactly once), pending on-time contributions from
    /// ``merge(_:)``, and late corrections since the previous emission.
    public mutating func advance(wallClockMs: Int64) -> [ClosedPane] {
        makeUnique()
        storage.materializeWatermark(wall: wallClockMs, idle: configuration.idleTimeoutMs)
        var out: [ClosedPane] = []
        if storage.hasAnchor {
            out = storage.close(through: WindowStorage.floorDiv(storage.watermark, 60_000))
        }
        return Self.ordered(out + storage.drainPending())
    }

    /// End of input (replay): closes every open pane whatever the watermark, and drains pending
    /// late corrections. Same shape and order as ``advance(wallClockMs:)``.
    public mutating func closeAll() -> [ClosedPane] {
        makeUnique()
        let out = storage.closeAll()
        return Self.ordered(out + storage.drainPending())
    }

    static func ordered(_ panes: [ClosedPane]) -> [ClosedPane] {
        panes.sorted { ($0.windowStartMs, $0.kind) < ($1.windowStartMs, $1.kind) }
    }

    /// The watermark in ms since the epoch (spec §7), `nil` before the first verified event.
    /// Includes idle advance up to the last ``advance(wallClockMs:)``.
    public var watermarkMs: Int64? {
        storage.hasAnchor ? max(storage.watermark, storage.anchor) : nil
    }

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

    /// Bytes of counter storage allocated for this partition (see the type's doc).
    public var allocatedBytes: Int { storage.allocatedBytes }
}
