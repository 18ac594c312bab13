import Aggregates
/// How `GET /api/v1/counts` groups its rows (`by=` query parameter).
public enum Grouping: String, CaseIterable, Sendable, Codable, Hashable {
    /// One row per scenario of `scenarios.csv` (20 rows in spec v1).
    case scenario
    /// One row per district of `districts.csv` (41 rows in spec v1).
    case district
    /// One row per (scenario, district) cell that has a non-zero count.
    case cell
}
