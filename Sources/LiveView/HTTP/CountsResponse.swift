import Aggregates
/// The body of `GET /api/v1/counts?view=…&by=…`: per-verdict event counts over
/// one rolling view (spec v1 §7), grouped by scenario, district or cell.
///
/// JSON (snake_case):
/// ```json
/// {"view":"5m","by":"scenario","as_of_ms":1764400000000,
///  "rows":[{"scenario":"transit","name_zh":"\"一码通乘\"服务","name_en":"One-code public transit",
///           "total":1234,"late":0,"by_verdict":{"malformed":1,…,"valid":1200}}, …]}
/// ```
public struct CountsResponse: Codable, Sendable, Equatable {
    /// The rolling view the counts cover.
    public var view: ViewWindow
    /// How the rows are grouped.
    public var by: Grouping
    /// The end of the view, in milliseconds since the Unix epoch (event time: the
    /// end of the newest pane summed). The view covers `[as_of_ms − view.durationMs, as_of_ms)`.
    public var asOfMs: Int64
    /// The rows; the source decides the order (the dashboard sorts for itself).
    public var rows: [CountsRow]

    public init(view: ViewWindow, by: Grouping, asOfMs: Int64, rows: [CountsRow]) {
        self.view = view
        self.by = by
        self.asOfMs = asOfMs
        self.rows = rows
    }

    /// End (ms since the epoch) of the newest open minute: the edge of the rows'
    /// provisional parts (the newest event time, rounded up to its minute); absent when none.
    public var provisionalEdgeMs: Int64?

    enum CodingKeys: String, CodingKey {
        case view, by
        case asOfMs = "as_of_ms"
        case provisionalEdgeMs = "provisional_edge_ms"
        case rows
    }
}

/// One row of ``CountsResponse``.
///
/// - `by=scenario`: `scenario`, `name_zh`, `name_en` set; `district` absent.
/// - `by=district`: `district` (6-digit code), `name_zh`, `name_en` set; `scenario` absent.
/// - `by=cell`: `scenario` and `district` set; names absent (take them from the
///   scenario and district rows) to keep the 820-cell body small.
///
/// Absent optionals are omitted from the JSON. Counts are events, not rates.
public struct CountsRow: Codable, Sendable, Equatable {
    /// Scenario id (`scenarios.csv` `id`), e.g. `"transit"`.
    public var scenario: String?
    /// District code (`districts.csv` `code`), e.g. `"500103"`.
    public var district: String?
    /// Chinese name of the row's scenario or district (from the reference CSVs).
    public var nameZh: String?
    /// English name of the row's scenario or district (from the reference CSVs).
    public var nameEn: String?
    /// Events counted in the view: the sum of ``byVerdict``.
    public var total: UInt64
    /// Late events (spec v1 §7) for the row in the view; not part of ``total``.
    public var late: UInt64
    /// Events per verdict (spec v1 §5).
    public var byVerdict: PerVerdict<UInt64>
    /// Provisional counts: events in windows still open (spec §7), which may still grow and
    /// are not in ``total``; absent when none. The counts topic and the store hold closed
    /// windows only.
    public var provisional: ProvisionalCounts?

    /// A row; ``total`` is computed from `byVerdict`.
    public init(
        scenario: String? = nil, district: String? = nil,
        nameZh: String? = nil, nameEn: String? = nil,
        byVerdict: PerVerdict<UInt64>, late: UInt64 = 0
    ) {
        self.scenario = scenario
        self.district = district
        self.nameZh = nameZh
        self.nameEn = nameEn
        self.byVerdict = byVerdict
        self.total = byVerdict.total
        self.late = late
    }

    enum CodingKeys: String, CodingKey {
        case scenario, district
        case nameZh = "name_zh"
        case nameEn = "name_en"
        case total, late
        case byVerdict = "by_verdict"
        case provisional
    }
}

/// The provisional part of a ``CountsRow``: `{"total":N,"by_verdict":{…}}`.
public struct ProvisionalCounts: Codable, Sendable, Equatable {
    /// Events in open windows: the sum of ``byVerdict``.
    public var total: UInt64
    /// Events in open windows per verdict.
    public var byVerdict: PerVerdict<UInt64>

    public init(byVerdict: PerVerdict<UInt64>) {
        self.byVerdict = byVerdict
        self.total = byVerdict.total
    }

    enum CodingKeys: String, CodingKey {
        case total
        case byVerdict = "by_verdict"
    }
}
