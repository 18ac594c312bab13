/// Configuration of one partition's window counters (spec v1 §7).
///
/// Panes are fixed event-time tumbling windows of ``paneMs`` (60 000 ms)
/// aligned to the Unix epoch. The table sizes give the dense cell space:
/// a cell is (scenario index, district index, verdict), so one pane holds
/// `scenarioCount × districtCount × 8` counters (20 × 41 × 8 = 6 560 for the
/// v1 reference data). Tables may grow at reload: see
/// ``PartitionWindows/grow(scenarioCount:districtCount:)``.
///
/// Out-of-range values are clamped rather than rejected: counts to `1...65_535`,
/// durations to `0...2^40` ms, ``maxOpenPanes`` to `1...48`.
public struct WindowConfiguration: Sendable, Equatable {
    /// Length of one pane in milliseconds: 1 minute (spec §7). Not configurable.
    public static let paneMs: Int64 = 60_000

    /// Number of scenarios (rows of `scenarios.csv`; 20 in v1): the scenario index range `0..<scenarioCount`.
    public var scenarioCount: Int
    /// Number of districts (rows of `districts.csv`; 41 in v1): the district index range `0..<districtCount`.
    public var districtCount: Int
    /// Allowed lateness in milliseconds (spec §7, default 2 min): the watermark is the highest
    /// bounded time `min(scanned_at, exp × 1000 + skew)` of a signature-verified event minus this
    /// (and an idle caught-up partition's watermark is wall clock minus this).
    public var allowedLatenessMs: Int64
    /// Idle timeout in milliseconds of wall-clock time (default 30 s, spec §7 revised): a caught-up
    /// partition without a signature-verified event for this long follows the wall clock: its
    /// watermark becomes at least wall clock − ``allowedLatenessMs`` (see ``PartitionWindows``).
    public var idleTimeoutMs: Int64
    /// The most open minute panes a partition keeps (default and maximum 48): opening one more
    /// closes the oldest open panes early (see "Bounded memory" in ``PartitionWindows``).
    /// Bounds the open-pane memory to 16 preallocated + (``maxOpenPanes`` − 1) lazily allocated
    /// panes of ``cellsPerPane`` × 4 bytes.
    public var maxOpenPanes: Int
    /// Upper bound of ``maxOpenPanes``.
    public static let maxOpenPanesLimit = 48

    /// - Parameters:
    ///   - scenarioCount: scenarios in the table (v1: 20).
    ///   - districtCount: districts in the table (v1: 41).
    ///   - allowedLatenessMs: milliseconds, default 120 000.
    ///   - idleTimeoutMs: milliseconds of wall clock, default 30 000.
    ///   - maxOpenPanes: open minute panes kept at most, default 48 (clamped to `1...48`).
    public init(scenarioCount: Int, districtCount: Int,
                allowedLatenessMs: Int64 = 120_000, idleTimeoutMs: Int64 = 30_000,
                maxOpenPanes: Int = WindowConfiguration.maxOpenPanesLimit) {
        self.scenarioCount = min(max(scenarioCount, 1), 65_535)
        self.districtCount = min(max(districtCount, 1), 65_535)
        self.allowedLatenessMs = min(max(allowedLatenessMs, 0), 1 << 40)
        self.idleTimeoutMs = min(max(idleTimeoutMs, 0), 1 << 40)
        self.maxOpenPanes = min(max(maxOpenPanes, 1), Self.maxOpenPanesLimit)
    }

    /// Counters per pane: `scenarioCount × districtCount × Verdict.count`.
    public var cellsPerPane: Int { scenarioCount * districtCount * Verdict.count }
}
