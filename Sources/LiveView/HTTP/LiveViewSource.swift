import Aggregates
/// The seam between the HTTP server and the pipeline: what the server asks,
/// the pipeline answers. The pipeline's implementation reads its window
/// counters (spec v1 §7) and consumer state; it fills reference names
/// (`name_zh`, `name_en`) from the loaded `scenarios.csv` / `districts.csv`.
///
/// Called from HTTP request handlers (a few times a second at most, not a hot
/// path); calls may run concurrently with each other and with the pipeline.
public protocol LiveViewSource: Sendable {
    /// Per-verdict counts over the rolling `view`, grouped `by` scenario,
    /// district or cell. See ``CountsResponse`` for the row shapes.
    func counts(view: ViewWindow, by: Grouping) async -> CountsResponse

    /// Consumer progress, throughput and totals since start.
    func status() async -> StatusResponse
}
